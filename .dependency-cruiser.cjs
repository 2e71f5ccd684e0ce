/**
 * Import rules the lint's module boundaries cannot see: no cycle between files (Nx checks cycles
 * between libraries only). Run by tools/checks (a test in `npm test`).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle between files makes load order matter and hides which unit owns what: break it with a types file or by moving the shared part down.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|coverage)/|\\.d\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
