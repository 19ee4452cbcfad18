/** Light/dark theme: follows prefers-color-scheme until the user picks one, remembered in localStorage. */
import { defineStore } from 'pinia';
import { computed, ref, watchEffect } from 'vue';

export type ThemePreference = 'system' | 'light' | 'dark';
const STORAGE_KEY = 'hvwb.theme';

export const useThemeStore = defineStore('theme', () => {
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  const systemDark = ref(media.matches);
  media.addEventListener('change', (event) => (systemDark.value = event.matches));

  const stored = localStorage.getItem(STORAGE_KEY);
  const preference = ref<ThemePreference>(stored === 'light' || stored === 'dark' ? stored : 'system');
  const effective = computed<'light' | 'dark'>(() =>
    preference.value === 'system' ? (systemDark.value ? 'dark' : 'light') : preference.value,
  );

  watchEffect(() => {
    document.documentElement.dataset.theme = effective.value;
    if (preference.value === 'system') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, preference.value);
  });

  /** Cycles system -> the opposite of the current look -> the other one -> system. */
  function toggle(): void {
    if (preference.value === 'system') preference.value = effective.value === 'dark' ? 'light' : 'dark';
    else if (preference.value === (systemDark.value ? 'light' : 'dark')) preference.value = systemDark.value ? 'dark' : 'light';
    else preference.value = 'system';
  }

  return { preference, effective, toggle };
});
