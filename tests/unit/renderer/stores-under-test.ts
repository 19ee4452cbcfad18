/// <reference path="../../../src/renderer/env.d.ts" />
/** The stores, imported only after the test has put a scripted WorkbenchApi on `window`. */
export { useMachineStore } from '../../../src/renderer/stores/machine';
export { useNotificationsStore } from '../../../src/renderer/stores/notifications';
export { useSerialStore } from '../../../src/renderer/stores/serial';
export { useZonesStore } from '../../../src/renderer/stores/zones';
export { useHypervisorLogStore } from '../../../src/renderer/stores/hypervisor-log';
export { useConfirmStore } from '../../../src/renderer/stores/confirm';
