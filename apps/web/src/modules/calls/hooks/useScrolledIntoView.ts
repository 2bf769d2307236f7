import { type RefObject, useEffect } from 'react';

/** How long after the element appears it is scrolled back into view as what is above it loads. */
const SETTLE_MS = 3_000;
/** What the reader does that ends the scrolling back: they move on their own. */
const READER_MOVES = ['wheel', 'touchmove', 'keydown', 'pointerdown'] as const;

/**
 * Scrolls the element (while `active`) to the top of the view when it appears, and again while the page settles —
 * a record page's panels load one by one and push what is under them down — until the reader scrolls, types or
 * clicks, or three seconds have passed. The element's `scroll-margin-top` keeps it clear of a fixed header.
 */
export function useScrolledIntoView(ref: RefObject<HTMLElement | null>, active: boolean): void {
  useEffect(() => {
    const element = ref.current;
    if (!active || !element) return;
    const scroll = () => element.scrollIntoView({ block: 'start' });
    scroll();
    const resized = new ResizeObserver(scroll);
    resized.observe(document.body);
    const stop = () => {
      resized.disconnect();
      window.clearTimeout(timer);
      for (const type of READER_MOVES) window.removeEventListener(type, stop);
    };
    const timer = window.setTimeout(stop, SETTLE_MS);
    for (const type of READER_MOVES) window.addEventListener(type, stop, { passive: true });
    return stop;
  }, [ref, active]);
}
