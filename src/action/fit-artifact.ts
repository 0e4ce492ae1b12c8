import { DefaultArtifactClient } from '@actions/artifact';
import { existsSync, statSync } from 'node:fs';
import { basename, relative, resolve, sep } from 'node:path';
import { describeError } from '../core/errors.ts';
import { redact } from '../core/secrets.ts';

export interface FitArtifactOptions {
  /** FIT files written during the run (downloads and backups before deletions). */
  readonly files: readonly string[];
  /** The FIT directory: stripped from the paths inside the zip (garmin_com/123.fit, coros/deleted/9.fit …). */
  readonly rootDirectory: string;
  readonly name: string;
  readonly retentionDays: number;
}

export type FitArtifactResult =
  | {
      readonly status: 'uploaded';
      readonly id: number | undefined;
      readonly size: number | undefined;
      readonly files: readonly string[];
    }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'failed'; readonly message: string };

/** The files worth uploading: existing regular files under the root, no dotfiles, each once. */
export function selectArtifactFiles(files: readonly string[], rootDirectory: string): string[] {
  const root = resolve(rootDirectory);
  const chosen = new Set<string>();
  for (const file of files) {
    const absolute = resolve(file);
    const inside = relative(root, absolute);
    if (inside === '' || inside.startsWith('..') || inside.split(sep).some((part) => part.startsWith('.'))) continue;
    if (basename(absolute).startsWith('.') || !existsSync(absolute) || !statSync(absolute).isFile()) continue;
    chosen.add(absolute);
  }
  return [...chosen].sort();
}

/**
 * Uploads the run's FIT files as one artifact. The artifact client throws on failure; that must not
 * fail the sync (the files are a convenience copy), so it becomes a `failed` result.
 */
export async function uploadFitArtifact(options: FitArtifactOptions): Promise<FitArtifactResult> {
  const files = selectArtifactFiles(options.files, options.rootDirectory);
  if (files.length === 0) return { status: 'skipped', reason: 'no FIT file was downloaded in this run' };
  try {
    const client = new DefaultArtifactClient();
    const response = await client.uploadArtifact(options.name, files, resolve(options.rootDirectory), {
      retentionDays: options.retentionDays,
    });
    return {
      status: 'uploaded',
      id: response.id,
      size: response.size,
      files: files.map((file) => relative(resolve(options.rootDirectory), file)),
    };
  } catch (error) {
    return { status: 'failed', message: redact(describeError(error)) };
  }
}
