/** Renderer entry: pick the transport, then mount the app with its stores. */
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import '@xterm/xterm/css/xterm.css';
import './styles/base.css';
import App from './App.vue';
import { connectWorkbench } from './api/workbench-api';

connectWorkbench();
createApp(App).use(createPinia()).mount('#app');
