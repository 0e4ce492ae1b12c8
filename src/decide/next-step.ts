import { PLATFORM_LABELS, type PlatformId } from '../core/activity.ts';
import { BUG_REPORT_HINT, isSyncError, type ErrorKind } from '../core/errors.ts';

/** One sentence telling the user what to do about a failure of this kind on this platform. */
export function nextStepFor(kind: ErrorKind, platform: PlatformId, error?: unknown): string {
  if (isSyncError(error) && error.hint) return error.hint;
  const label = PLATFORM_LABELS[platform];
  switch (kind) {
    case 'config':
      return `Fix the ${label} settings named above and run again.`;
    case 'auth':
      if (platform === 'coros')
        return (
          'Check COROS_EMAIL / COROS_PASSWORD ' +
          '(log in once at trainingeu.coros.com/training.coros.com to confirm them).'
        );
      return (
        `Run \`node cli.js login --for action --region ${platform === 'garmin_cn' ? 'cn' : 'com'}\` and ` +
        `store the printed token as GARMIN_TOKEN_${platform === 'garmin_cn' ? 'CN' : 'COM'}.`
      );
    case 'retryable':
      return `${label} had a temporary problem; the next scheduled run retries automatically.`;
    case 'rejected':
      return `${label} refused it; it is set aside and not retried.`;
    case 'bug':
      return BUG_REPORT_HINT;
  }
}
