/**
 * A log-like list that follows new lines while scrolled to its end and stays put once the user scrolls
 * up to read, until they scroll back down (the hypervisor log's messages and trace).
 */
import { nextTick, ref, type Ref } from 'vue';

export interface FollowScroll {
  /** True while the list shows its end. */
  readonly following: Ref<boolean>;
  onScroll(): void;
  scrollToEnd(): void;
}

/** `scroller`: the component's template ref of the scrolling element. */
export function useFollowScroll(scroller: Ref<HTMLElement | undefined>): FollowScroll {
  const following = ref(true);
  return {
    following,
    onScroll() {
      const element = scroller.value;
      if (element) following.value = element.scrollHeight - element.scrollTop - element.clientHeight < 4;
    },
    scrollToEnd() {
      void nextTick(() => {
        const element = scroller.value;
        if (element) element.scrollTop = element.scrollHeight;
      });
    },
  };
}
