/** Single-file components as the tests import them (Vite compiles them; the type checker sees a component). */
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
