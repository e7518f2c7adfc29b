/**
 * True only in the browser builds — the `<script>` bundle (dist/cloudlog.min.js) and the ESM
 * that bundlers pick for browsers (dist/browser.js, the exports map's `browser` condition):
 * rollup.config.mjs replaces this module there, so code for Node alone (auth headers, exit
 * hooks, zlib) and ky drop out of what browsers download. Everywhere else the platform is
 * detected at run time.
 */
export const BROWSER_BUNDLE: boolean = false;
