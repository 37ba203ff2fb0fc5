// test/helpers/screens.ts reads the page's width inside page.evaluate, where the browser's `document` is.
// The tests compile without the DOM's types (they clash with Node's), so only what it reads is declared.
declare var document: { documentElement: { scrollWidth: number; clientWidth: number } };
