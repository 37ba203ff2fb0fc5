// test/helpers/screens.ts measures the page inside the browser, where `document` exists; the tests'
// TypeScript has no DOM library (Node's fetch types would clash with it), so it is told just what is read.
declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };
