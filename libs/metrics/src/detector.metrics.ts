import type { HaaasMetrics } from './haaas.metrics';

/** What the failure detector offers that is measured (structurally, so this library needs no engine). */
export interface TimedDetector {
  tick(): Promise<void>;
  stats(): { readonly leading: boolean; readonly ticks: number };
}

/**
 * Times the detector's passes from outside: its loop calls `this.tick()`, so wrapping the instance's
 * method times every pass without a line in the detector. A pass counts when the detector led
 * (its tick counter moved); the last pass's time feeds the "detector not running" alert.
 */
export function instrumentDetector(detector: TimedDetector, metrics: HaaasMetrics): void {
  const tick = detector.tick.bind(detector);
  detector.tick = async () => {
    const before = detector.stats().ticks;
    const t0 = performance.now();
    try {
      await tick();
    } finally {
      if (detector.stats().ticks !== before) metrics.detectorPass((performance.now() - t0) / 1000, Date.now());
    }
  };
  metrics.readSourcesFrom({ detector: () => detector.stats() });
}
