// Functions given to page.evaluate run in the browser, but the tests' TypeScript knows only Node: the few
// page globals those functions touch are declared here (test/helpers/screens.ts).
declare var document: { documentElement: { scrollWidth: number; clientWidth: number } };
