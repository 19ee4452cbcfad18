/** One vocabulary for zone states across sidebar, tabs and banners: an icon and a colour each. */
import type { ZoneState } from '../../shared/protocol/index';
import type { IconName } from './AppIcon.vue';

export const zoneStateIcon: Record<ZoneState, IconName> = {
  running: 'play',
  paused: 'pause',
  stopped: 'stop',
  error: 'error',
};
