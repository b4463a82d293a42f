/** Stylesheets imported by the entry are bundled by Bun.build into app.css. */
declare module "*.css" {}
