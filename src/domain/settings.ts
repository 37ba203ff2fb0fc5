import { DomainError } from './errors.js';
import { DEFAULT_LIKELY_THRESHOLD } from './likely-duplicates.js';
import { isRegion } from './normalize.js';

export type MergeMode = 'auto' | 'manual';

/** A project's settings (docs/api.md `GET/PUT /v1/settings`). */
export interface Settings {
  merge_mode: MergeMode;
  default_region: string | null;
  link_ttl_s: number;
  blocked_values: string[];
  max_shared: number;
  /** likely duplicates scoring below this (0–1) are not shown or suggested (docs/likely-duplicates.md) */
  likely_threshold: number;
}

/** Applies a partial change, refusing values that make no sense; returns the whole new settings. */
export function changeSettings(current: Settings, change: Partial<Settings>): Settings {
  const next = { ...current, ...change };
  if (next.default_region !== null) {
    next.default_region = next.default_region.trim().toUpperCase();
    if (!isRegion(next.default_region)) {
      throw new DomainError('invalid_region', `default_region "${change.default_region}" is not an ISO 3166 country code such as RU or US`);
    }
  }
  next.blocked_values = [...new Set(next.blocked_values.map((v) => v.trim()).filter((v) => v !== ''))];
  return next;
}
