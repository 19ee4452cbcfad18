/// <reference types="vite/client" />
import type { WorkbenchApi } from '../shared/protocol/index';

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare global {
  interface Window {
    /** Present in Electron only: exposed by the preload. */
    readonly workbench?: WorkbenchApi;
  }
}
