/**
 * xterm.js under the console's Content-Security-Policy (`style-src 'self'`,
 * no `'unsafe-inline'`), without a nonce (browser side).
 *
 * xterm.js 6's DOM renderer writes three `<style>` elements while it opens
 * (cell dimensions, theme colours and fonts, scrollbar colours) and keeps
 * rewriting their text (on a resize or a theme change). A strict CSP
 * blocks `<style>` elements, and xterm.js has no option to avoid them
 * (xtermjs/xterm.js#4445). Constructed stylesheets are not subject to
 * `style-src`: so while the terminal opens, `document.createElement("style")`
 * answers an inert stand-in (a `<template>`, never rendered), and the text
 * xterm writes into it is mirrored into a `CSSStyleSheet` adopted by the
 * document. No inline style is ever inserted, so no violation is reported.
 * Everything else xterm styles goes through the CSSOM (`element.style.x =`),
 * which CSP allows; its static rules come from xterm.css, bundled into the
 * console's stylesheet.
 */

/** The constructed sheets of one terminal; `dispose` removes them. */
export interface AdoptedStyles {
  /** How many stand-ins were made (3 for xterm.js 6). */
  readonly count: number;
  dispose(): void;
}

/**
 * Runs `open` (xterm's `terminal.open(element)`) with `<style>` elements
 * replaced by mirrored constructed stylesheets.
 */
export function openWithAdoptedStyles(open: () => void, doc: Document = document): AdoptedStyles {
  const sheets: CSSStyleSheet[] = [];
  const observers: MutationObserver[] = [];
  const original = doc.createElement;
  const standIn = (): HTMLElement => {
    const element = original.call(doc, "template");
    element.setAttribute("data-kubently-style", "");
    const sheet = new CSSStyleSheet();
    sheets.push(sheet);
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
    const sync = () => {
      try {
        sheet.replaceSync(element.textContent ?? "");
      } catch {
        // A rule the browser cannot parse: keep the last good one.
      }
    };
    const observer = new MutationObserver(sync);
    observer.observe(element, { childList: true, characterData: true, subtree: true });
    observers.push(observer);
    return element;
  };
  // Only while `open` runs; the stand-ins keep working after (xterm holds them).
  doc.createElement = function createElement(this: Document, tagName: string, options?: ElementCreationOptions) {
    return String(tagName).toLowerCase() === "style" ? standIn() : original.call(this, tagName, options);
  } as Document["createElement"];
  try {
    open();
  } finally {
    delete (doc as { createElement?: unknown }).createElement;
    if (doc.createElement !== original) doc.createElement = original;
  }
  return {
    count: sheets.length,
    dispose() {
      for (const o of observers) o.disconnect();
      doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => !sheets.includes(s));
    },
  };
}
