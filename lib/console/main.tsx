/**
 * The console's entry: renders the app into `#app`. Built by build.ts into
 * one ES module and one stylesheet, served from `/ui/assets/` under a CSP
 * that allows scripts and styles from the same origin only.
 */
import { render } from "preact";
import { App } from "./app.tsx";
import "./style.css";

render(<App />, document.getElementById("app")!);
