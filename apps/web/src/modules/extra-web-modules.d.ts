// The web modules a test builds in beside the shipped ones (apps/web/vite.config.ts); an empty list in every
// shipped build.
declare module 'virtual:rabita-extra-web-modules' {
  const modules: readonly import('./web-module.ts').WebModule[];
  export default modules;
}
