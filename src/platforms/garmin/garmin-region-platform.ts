import type { PlatformId } from '../../core/activity.ts';
import { garminLabel, garminPlatformId, type GarminRegion } from './garmin-hosts.ts';

/** What every Garmin adapter knows of itself: its options, its region's platform id and label, its clock. */
export abstract class GarminRegionPlatform<
  Options extends { readonly region: GarminRegion; readonly now?: (() => number) | undefined },
> {
  readonly id: PlatformId;
  protected readonly options: Options;
  /** Milliseconds since the epoch (tests move the clock). */
  protected readonly now: () => number;

  constructor(options: Options) {
    this.options = options;
    this.id = garminPlatformId(options.region);
    this.now = options.now ?? Date.now;
  }

  protected get label(): string {
    return garminLabel(this.options.region);
  }
}
