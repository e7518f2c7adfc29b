/**
 * True only in the `<script>` bundle (dist/cloudlog.min.js): rollup.config.mjs replaces this
 * module there, so code for Node alone (auth headers, exit hooks) is dropped from the bundle
 * browsers download. Everywhere else the platform is detected at run time.
 */
export const BROWSER_BUNDLE: boolean = false;
