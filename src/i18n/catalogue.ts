import type { PlatformId } from '../core/activity.ts';
import type { ErrorKind } from '../core/errors.ts';
import type { DuplicateAction, ReportCounts, TransferOutcome } from '../decide/report-types.ts';
import type { Language } from './language.ts';

/**
 * Every sentence the report, the job summary and the notifications show, one catalogue per
 * language. Each entry returns a whole sentence or label: renderers never glue translated
 * fragments together, so a language can order its words its own way.
 */
export interface Catalogue {
  readonly language: Language;
  readonly product: string;
  platform(id: PlatformId): string;
  /** A sport by our normalised id; undefined when this catalogue has no name for it. */
  sport(id: string): string | undefined;
  /** "Garmin CN → COROS". */
  direction(from: string, to: string): string;
  /** "label: text" with the language's colon. */
  labelled(label: string, text: string): string;
  /** A list heading: "Platforms:". */
  listHeading(text: string): string;
  /** Two clauses of one line: "a; b". */
  clauses(first: string, second: string): string;
  /** A workout described, with the platform it came from: "… (Garmin CN)". */
  fromPlatform(description: string, platform: string): string;

  // Titles and counts.
  reportTitle(dryRun: boolean): string;
  summaryTitle(dryRun: boolean): string;
  /** The full counts sentence of the text report (plain) and job summary (bold numbers). */
  countsLine(counts: ReportCounts, dryRun: boolean, bold: boolean): string;
  /** "3 uploaded, 1 duplicate deleted, 1 failed"; undefined when nothing happened. */
  countsPhrase(counts: ReportCounts): string | undefined;
  /** What the run came to when there is no count to show, or next to the counts. */
  outcomePhrase(outcome: 'ok' | 'partial' | 'failed'): string;
  /** Notification title. */
  messageTitle(summary: string, dryRun: boolean): string;
  /** One line for push channels: counts and how the run ended. */
  headline(counts: string, outcome: string): string;
  inSync(): string;
  inSyncShort(): string;

  // Routes and time.
  routesEvery(platforms: readonly string[]): string;
  routesListed(routes: readonly string[]): string;
  routesWithSince(routes: string, since: string): string;
  /** "times in Asia/Shanghai". */
  timesIn(timeZone: string): string;

  // Platforms.
  platformsHeading(): string;
  platformListed(listed: number, known: number): string;
  platformFailed(kind: ErrorKind): string;
  tokenValidUntil(date: string): string;
  expiryLine(platform: string, date: string, daysLeft: number): string;
  expiryCell(date: string, daysLeft: number, warn: boolean): string;
  expiryHeading(): string;

  // Transfers.
  outcome(outcome: TransferOutcome): string;
  outcomeIcon(outcome: TransferOutcome): string;
  /** Heading of a text-report section of one outcome. */
  outcomeSection(outcome: TransferOutcome): string;
  /** "Garmin CN → COROS: 2 uploaded, 1 failed". */
  directionCounts(direction: string, counts: ReadonlyMap<TransferOutcome, number>): string;
  /** "Garmin CN → COROS (2):" in the text report. */
  directionGroup(direction: string, count: number): string;
  targetId(id: string): string;
  workoutsHeading(): string;
  /** Notification section of workouts copied (or to be copied in a dry run). */
  copiedHeading(count: number, dryRun: boolean): string;
  /** Notification section of workouts with other results (pending, already there, no original). */
  otherResultsHeading(count: number): string;
  /** One workout with the targets it went to. */
  workoutItem(description: string, targets: readonly string[]): string;
  targetWithOutcome(target: string, outcome: string): string;

  // Duplicates.
  duplicatesHeading(count: number): string;
  duplicatesSectionTitle(): string;
  duplicateAction(action: DuplicateAction): string;
  duplicateCounts(platform: string, counts: ReadonlyMap<DuplicateAction, number>): string;
  duplicateLine(platform: string, duplicateId: string, keptId: string, what: string, action: string): string;
  duplicateWhy(reason: string): string;
  deleteDuplicatesHint(summary: boolean): string;

  // Attention, warnings, time-zone suspects.
  attentionHeading(count: number): string;
  attentionSectionTitle(): string;
  retriedNextRun(): string;
  warningsHeading(): string;
  suspectsHeading(count: number): string;
  suspectLine(a: string, b: string, reason: string): string;
  moreItems(count: number): string;

  // Job summary tables.
  summaryPlatformHeader(): readonly [string, string, string, string, string];
  summaryWorkoutHeader(timeZone: string): readonly [string, string, string, string, string, string];
  summaryDuplicateHeader(timeZone: string): readonly [string, string, string, string, string, string];
  summarySuspectHeader(): readonly [string, string, string];
  summaryAttentionHeader(): readonly [string, string, string];
  summaryStateHeading(): string;
  summaryRunFooter(runId: string, started: string, finished: string): string;
  logsLink(): string;
  updateAvailable(latest: string, current: string, url: string): string;
  /** The warning block for a public repository: what is exposed and how to avoid it. */
  privacyNote(stateMode: 'git' | 'cache' | 'none', artifact: boolean): string;

  // Notifications.
  runLog(): string;
  overflow(count: number): string;
  heartbeatTitle(): string;
  heartbeatHeadline(summary: string | undefined): string;
  heartbeatPlatform(platform: string, known: number, error: string | undefined): string;
}

const PLATFORMS_EN: Record<PlatformId, string> = { garmin_com: 'Garmin COM', garmin_cn: 'Garmin CN', coros: 'COROS' };
const PLATFORMS_ZH: Record<PlatformId, string> = {
  garmin_com: '佳明国际区',
  garmin_cn: '佳明中国区',
  coros: '高驰',
};

const DRY_RUN_TITLE_EN = 'Sports Sync X — dry run (nothing was changed)';
const DRY_RUN_TITLE_ZH = 'Sports Sync X — 演练（没有做任何更改）';

const SPORTS_EN: Record<string, string> = {
  run: 'Run',
  treadmill_run: 'Treadmill run',
  trail_run: 'Trail run',
  track_run: 'Track run',
  hike: 'Hike',
  mountaineering: 'Mountaineering',
  rock_climb: 'Climb',
  road_ride: 'Road ride',
  ride: 'Ride',
  indoor_ride: 'Indoor ride',
  e_bike: 'E-bike ride',
  gravel_ride: 'Gravel ride',
  mountain_bike: 'Mountain bike',
  e_mountain_bike: 'E-mountain bike',
  pool_swim: 'Pool swim',
  open_water_swim: 'Open-water swim',
  indoor_cardio: 'Cardio',
  strength: 'Strength',
  yoga: 'Yoga',
  pilates: 'Pilates',
  resort_ski: 'Ski',
  snowboard: 'Snowboard',
  xc_ski: 'Cross-country ski',
  ski_touring: 'Ski touring',
  row: 'Rowing',
  indoor_row: 'Indoor rowing',
  whitewater: 'Whitewater',
  flatwater: 'Flatwater',
  windsurf: 'Windsurfing',
  indoor_climb: 'Indoor climb',
  bouldering: 'Bouldering',
  walk: 'Walk',
  jump_rope: 'Jump rope',
  floor_climb: 'Floor climb',
  multisport: 'Multisport',
  triathlon: 'Triathlon',
  other: 'Other',
};
const SPORTS_ZH: Record<string, string> = {
  run: '跑步',
  treadmill_run: '跑步机',
  trail_run: '越野跑',
  track_run: '操场跑',
  hike: '徒步',
  mountaineering: '登山',
  rock_climb: '攀岩',
  road_ride: '公路骑行',
  ride: '骑行',
  indoor_ride: '室内骑行',
  e_bike: '电助力骑行',
  gravel_ride: '砾石骑行',
  mountain_bike: '山地骑行',
  e_mountain_bike: '电助力山地骑行',
  pool_swim: '泳池游泳',
  open_water_swim: '公开水域游泳',
  indoor_cardio: '有氧训练',
  strength: '力量训练',
  yoga: '瑜伽',
  pilates: '普拉提',
  resort_ski: '滑雪',
  snowboard: '单板滑雪',
  xc_ski: '越野滑雪',
  ski_touring: '登山滑雪',
  row: '划船',
  indoor_row: '划船机',
  whitewater: '激流运动',
  flatwater: '静水划艇',
  windsurf: '帆板',
  indoor_climb: '室内攀岩',
  bouldering: '抱石',
  walk: '步行',
  jump_rope: '跳绳',
  floor_climb: '爬楼',
  multisport: '多项运动',
  triathlon: '铁人三项',
  other: '其他',
};

const plural = (count: number, word: string, many = `${word}s`) => `${count} ${count === 1 ? word : many}`;

const OUTCOME_EN: Record<TransferOutcome, string> = {
  created: 'uploaded',
  planned: 'would upload',
  duplicate: 'already there',
  pending: 'pending',
  failed: 'failed',
  rejected: 'rejected',
  'set-aside': 'set aside',
  'no-original': 'no original file',
};
const OUTCOME_ZH: Record<TransferOutcome, string> = {
  created: '已上传',
  planned: '将上传',
  duplicate: '目标已有',
  pending: '处理中',
  failed: '失败',
  rejected: '被拒绝',
  'set-aside': '已搁置',
  'no-original': '无原始文件',
};
const OUTCOME_ICON: Record<TransferOutcome, string> = {
  created: '✅',
  planned: '🔍',
  duplicate: '➖',
  pending: '⏳',
  failed: '❌',
  rejected: '⛔',
  'set-aside': '⏸',
  'no-original': '➖',
};
const SUMMARY_OUTCOME_EN: Partial<Record<TransferOutcome, string>> = {
  failed: 'failed, retried next run',
  pending: 'processing',
};
const SUMMARY_OUTCOME_ZH: Partial<Record<TransferOutcome, string>> = { failed: '失败，下次运行重试' };

const SECTION_EN: Record<TransferOutcome, string> = {
  created: 'Uploaded:',
  planned: 'Would upload:',
  duplicate: 'Already there (the platform reported a duplicate):',
  pending: 'Still processing on the target (checked again next run):',
  failed: 'Failed (retried on later runs):',
  rejected: 'Rejected by the target (not retried):',
  'no-original': 'No original file (manual entries or GPX/TCX imports; not copied):',
  'set-aside': 'Set aside (gave up after repeated failures or a rejection):',
};
const SECTION_ZH: Record<TransferOutcome, string> = {
  created: '已上传：',
  planned: '将上传：',
  duplicate: '目标平台已有（平台报告重复）：',
  pending: '目标平台仍在处理（下次运行再查）：',
  failed: '失败（之后的运行会重试）：',
  rejected: '被目标平台拒绝（不再重试）：',
  'no-original': '没有原始文件（手动记录或 GPX/TCX 导入；不复制）：',
  'set-aside': '已搁置（多次失败或被拒绝后放弃）：',
};

const DUPLICATE_EN: Record<DuplicateAction, string> = {
  reported: 'reported',
  deleted: 'deleted',
  'would-delete': 'would delete',
  'delete-failed': 'delete failed',
  'kept-safe': 'kept (unsafe to delete)',
};
const DUPLICATE_ZH: Record<DuplicateAction, string> = {
  reported: '已报告',
  deleted: '已删除',
  'would-delete': '将删除',
  'delete-failed': '删除失败',
  'kept-safe': '保留（删除不安全）',
};

const ORDER: readonly TransferOutcome[] = [
  'created',
  'planned',
  'pending',
  'duplicate',
  'failed',
  'rejected',
  'set-aside',
  'no-original',
];
/** How a language names outcomes: in a list, in the job summary (with its icon), as a section. */
const outcomeEntries = (
  words: Record<TransferOutcome, string>,
  summaryWords: Partial<Record<TransferOutcome, string>>,
  sections: Record<TransferOutcome, string>,
): Pick<Catalogue, 'outcome' | 'outcomeIcon' | 'outcomeSection'> => ({
  outcome: (outcome) => words[outcome],
  outcomeIcon: (outcome) => `${OUTCOME_ICON[outcome]} ${summaryWords[outcome] ?? words[outcome]}`,
  outcomeSection: (outcome) => sections[outcome],
});
const ordered = <K extends string>(counts: ReadonlyMap<K, number>, order: readonly K[]) =>
  [...counts.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));

/** The words of the public-repository warning in one language; `privacyNote` lays them out alike for all. */
interface PrivacyWords {
  /** What the state mode exposes (`none` exposes nothing). */
  readonly state: Readonly<Record<'git' | 'cache', string>>;
  readonly artifact: string;
  /** Exposed whatever the settings. */
  readonly always: string;
  readonly separator: string;
  readonly exposedLine: (exposed: string) => string;
  readonly advice: string;
}

const PRIVACY_EN: PrivacyWords = {
  state: {
    git:
      "the database committed to this repository (every workout's date, sport, " +
      'distance and the sync history, readable by anyone, forever in the git history; ' +
      'saved sign-in tokens are encrypted, but only as strong as STATE_SECRET)',
    cache: 'the state cache (readable through pull requests from forks)',
  },
  artifact:
    'the FIT artifact (downloadable by any signed-in GitHub user while it is kept; ' +
    'FIT files contain your GPS tracks)',
  always: 'this summary and the logs (workout dates and sports; credentials are masked)',
  separator: '; ',
  exposedLine: (exposed) => `> **This repository is public.** Exposed: ${exposed}.`,
  advice:
    '> To keep it private: create your own **private** repository with "Use this template" ' +
    '(a fork of a public repository cannot be made private), or at least use `state: cache` and ' +
    '`fit-artifact: false`.',
};

const PRIVACY_ZH: PrivacyWords = {
  state: {
    git:
      '提交到本仓库的数据库（每次训练的日期、运动、距离和同步记录，' +
      '任何人都能看到，并永远留在 git 历史中；' +
      '保存的登录令牌是加密的，但强度取决于 STATE_SECRET）',
    cache: '状态缓存（可以通过来自 fork 的 pull request 读取）',
  },
  // Wrapped by hand: Prettier counts a Chinese character as two columns, the 120 limit counts its three bytes.
  // prettier-ignore
  artifact:
    'FIT artifact（保留期间任何登录 GitHub 的用户都能下载；' +
    'FIT 文件包含你的 GPS 轨迹）',
  always: '本摘要和日志（训练日期和运动；账号密码已隐藏）',
  separator: '；',
  exposedLine: (exposed) => `> **这个仓库是公开的。** 暴露的内容：${exposed}。`,
  advice:
    '> 想保持私密：用 "Use this template" 创建你自己的**私有**仓库' +
    '（公开仓库的 fork 不能改为私有），' +
    '或者至少设置 `state: cache` 和 `fit-artifact: false`。',
};

function privacyNote(words: PrivacyWords, stateMode: 'git' | 'cache' | 'none', artifact: boolean): string {
  const exposed = [
    ...(stateMode === 'none' ? [] : [words.state[stateMode]]),
    ...(artifact ? [words.artifact] : []),
    words.always,
  ];
  return ['> [!WARNING]', words.exposedLine(exposed.join(words.separator)), words.advice].join('\n');
}

export const EN: Catalogue = {
  language: 'en',
  product: 'Sports Sync X',
  platform: (id) => PLATFORMS_EN[id] ?? id,
  sport: (id) => SPORTS_EN[id],
  direction: (from, to) => `${from} → ${to}`,
  labelled: (label, text) => `${label}: ${text}`,
  listHeading: (text) => `${text}:`,
  clauses: (first, second) => `${first}; ${second}`,
  fromPlatform: (description, platform) => `${description} (${platform})`,

  reportTitle: (dryRun) => (dryRun ? DRY_RUN_TITLE_EN : 'Sports Sync X — sync report'),
  summaryTitle: (dryRun) => (dryRun ? DRY_RUN_TITLE_EN : 'Sports Sync X'),
  countsLine: (c, dryRun, bold) => {
    const n = (value: number) => (bold ? `**${value}**` : String(value));
    const sep = bold ? ' · ' : ', ';
    return dryRun
      ? [`Would upload ${n(c.planned)}`, `duplicates found ${n(c.duplicatesFound)}`, `failed ${n(c.failed)}`].join(sep)
      : [
          `Uploaded ${n(c.uploaded)}`,
          `duplicates found ${n(c.duplicatesFound)}`,
          `deleted ${n(c.deleted)}`,
          `pending ${n(c.pending)}`,
          `failed ${n(c.failed)}`,
        ].join(sep);
  },
  countsPhrase: (c) => {
    const phrases: string[] = [];
    if (c.uploaded > 0) phrases.push(`${c.uploaded} uploaded`);
    if (c.planned > 0) phrases.push(`${c.planned} planned`);
    if (c.deleted > 0) phrases.push(`${plural(c.deleted, 'duplicate')} deleted`);
    else if (c.duplicatesFound > 0) phrases.push(`${plural(c.duplicatesFound, 'duplicate')} found`);
    if (c.failed > 0) phrases.push(`${c.failed} failed`);
    if (c.pending > 0) phrases.push(`${c.pending} pending`);
    return phrases.length > 0 ? phrases.join(', ') : undefined;
  },
  outcomePhrase: (outcome) =>
    outcome === 'failed' ? 'run failed' : outcome === 'partial' ? 'partly failed' : 'all in sync',
  messageTitle: (summary, dryRun) => `Sports Sync X${dryRun ? ' (dry run)' : ''}: ${summary}`,
  headline: (counts, outcome) => `${counts} — ${outcome}`,
  inSync: () => 'Everything is in sync. Nothing to upload.',
  inSyncShort: () => 'Everything is in sync.',

  routesEvery: (platforms) => `Routes: every direction among ${platforms.join(', ')}`,
  routesListed: (routes) => `Routes: ${routes.join(', ')} (SYNC_ROUTES)`,
  routesWithSince: (routes, since) => `${routes}; only workouts starting on or after ${since} (SYNC_SINCE)`,
  timesIn: (timeZone) => `times in ${timeZone}`,

  platformsHeading: () => 'Platforms',
  platformListed: (listed, known) => `listed ${listed}, ${known} known`,
  platformFailed: (kind) => `FAILED (${kind}; see "What needs your attention" below)`,
  tokenValidUntil: (date) => `token valid until ${date}`,
  expiryLine: (platform, date, daysLeft) =>
    daysLeft < 0
      ? `${platform}: saved sign-in expired on ${date}; sign in again (node cli.js login --for action) ` +
        `and update the stored token`
      : `${platform}: saved sign-in expires ${daysLeft === 0 ? 'today' : `in ${plural(daysLeft, 'day')}`} ` +
        `(${date}); sign in again (node cli.js login --for action) and update the stored token before then`,
  expiryCell: (date, daysLeft, warn) =>
    daysLeft < 0
      ? `${date} ❌ expired`
      : warn
        ? `${date} ⚠️ in ${daysLeft} day(s): run \`node cli.js login --for action\` and update the secret`
        : date,
  expiryHeading: () => 'Sign-in expiring',

  ...outcomeEntries(OUTCOME_EN, SUMMARY_OUTCOME_EN, SECTION_EN),
  directionCounts: (direction, counts) =>
    `${direction}: ${ordered(counts, ORDER)
      .map(([outcome, n]) => `${n} ${OUTCOME_EN[outcome]}`)
      .join(', ')}`,
  directionGroup: (direction, count) => `${direction} (${count}):`,
  targetId: (id) => `id ${id}`,
  workoutsHeading: () => 'Workouts',
  copiedHeading: (count, dryRun) =>
    dryRun ? `Would copy: ${plural(count, 'workout')}` : `Copied: ${plural(count, 'workout')}`,
  otherResultsHeading: (count) => `Other results: ${plural(count, 'workout')}`,
  workoutItem: (description, targets) => `${description} → ${targets.join(', ')}`,
  targetWithOutcome: (target, outcome) => `${target} (${outcome})`,

  duplicatesHeading: (count) => `Duplicates: ${count}`,
  duplicatesSectionTitle: () => 'Duplicates inside one platform',
  duplicateAction: (action) => DUPLICATE_EN[action],
  duplicateCounts: (platform, counts) =>
    `${platform}: ${[...counts.entries()].map(([action, n]) => `${n} ${DUPLICATE_EN[action]}`).join(', ')}`,
  duplicateLine: (platform, duplicateId, keptId, what, action) =>
    `${platform}: ${duplicateId} duplicates ${keptId} (${what}) — ${action}`,
  duplicateWhy: (reason) => `why: ${reason}`,
  deleteDuplicatesHint: (summary) =>
    summary
      ? 'Set `delete-duplicate: true` (or `DELETE_DUPLICATE=1`) to delete them; ' +
        'a backup FIT of each goes into the artifact first.'
      : 'Set DELETE_DUPLICATE=1 to delete them (a backup FIT of each is kept first).',

  attentionHeading: (count) => `Needs attention: ${count}`,
  attentionSectionTitle: () => 'What needs your attention',
  retriedNextRun: () => 'It is retried on the next run.',
  warningsHeading: () => 'Warnings',
  suspectsHeading: (count) => `Possible time-zone mismatches: ${count}`,
  suspectLine: (a, b, reason) => `${a} ↔ ${b}: ${reason}`,
  moreItems: (count) => `… and ${count} more (see the run log)`,

  summaryPlatformHeader: () => ['Platform', 'Listed', 'Known', 'Status', 'Saved sign-in valid until'],
  summaryWorkoutHeader: (timeZone) => ['Sport', `Start (${timeZone})`, 'Distance', 'Duration', 'From', 'To and result'],
  summaryDuplicateHeader: (timeZone) => [
    'Platform',
    'Duplicate',
    'Kept',
    `Sport, start (${timeZone})`,
    'Action',
    'Why',
  ],
  summarySuspectHeader: () => ['Record', 'Record', 'Why'],
  summaryAttentionHeader: () => ['Where', 'What happened', 'Next step'],
  summaryStateHeading: () => 'State and files',
  summaryRunFooter: (runId, started, finished) => `Run ${runId}, ${started} → ${finished}`,
  logsLink: () => 'logs',
  updateAvailable: (latest, current, url) =>
    `A newer release of Sports Sync X is out: [${latest}](${url}) (this run used ${current}). ` +
    `"Updates" in docs/action.md says how your copy gets it.`,

  privacyNote: (stateMode, artifact) => privacyNote(PRIVACY_EN, stateMode, artifact),

  runLog: () => 'Run log',
  overflow: (count) => `… ${plural(count, 'more line')} in the run log`,
  heartbeatTitle: () => 'Sports Sync X: weekly heartbeat',
  heartbeatHeadline: (summary) => `Scheduled sync is running; last run ${summary ?? 'found nothing new'}`,
  heartbeatPlatform: (platform, known, error) =>
    `${platform}: ${plural(known, 'workout')} known${error ? ` (error: ${error})` : ''}`,
};

export const ZH_CN: Catalogue = {
  language: 'zh-CN',
  product: 'Sports Sync X',
  platform: (id) => PLATFORMS_ZH[id] ?? id,
  sport: (id) => SPORTS_ZH[id],
  direction: (from, to) => `${from} → ${to}`,
  labelled: (label, text) => `${label}：${text}`,
  listHeading: (text) => `${text}：`,
  clauses: (first, second) => `${first}；${second}`,
  fromPlatform: (description, platform) => `${description}（${platform}）`,

  reportTitle: (dryRun) => (dryRun ? DRY_RUN_TITLE_ZH : 'Sports Sync X — 同步报告'),
  summaryTitle: (dryRun) => (dryRun ? DRY_RUN_TITLE_ZH : 'Sports Sync X'),
  countsLine: (c, dryRun, bold) => {
    const n = (value: number) => (bold ? `**${value}**` : String(value));
    const sep = bold ? ' · ' : '，';
    const duplicates = `发现重复 ${n(c.duplicatesFound)} 条`;
    const failed = `失败 ${n(c.failed)} 条`;
    return dryRun
      ? [`将上传 ${n(c.planned)} 条`, duplicates, failed].join(sep)
      : [
          `已上传 ${n(c.uploaded)} 条`,
          duplicates,
          `已删除 ${n(c.deleted)} 条`,
          `处理中 ${n(c.pending)} 条`,
          failed,
        ].join(sep);
  },
  countsPhrase: (c) => {
    const phrases: string[] = [];
    if (c.uploaded > 0) phrases.push(`上传 ${c.uploaded} 条`);
    if (c.planned > 0) phrases.push(`计划上传 ${c.planned} 条`);
    if (c.deleted > 0) phrases.push(`删除重复 ${c.deleted} 条`);
    else if (c.duplicatesFound > 0) phrases.push(`发现重复 ${c.duplicatesFound} 条`);
    if (c.failed > 0) phrases.push(`失败 ${c.failed} 条`);
    if (c.pending > 0) phrases.push(`处理中 ${c.pending} 条`);
    return phrases.length > 0 ? phrases.join('，') : undefined;
  },
  outcomePhrase: (outcome) => {
    if (outcome === 'failed') return '运行失败';
    return outcome === 'partial' ? '部分失败' : '全部已同步';
  },
  messageTitle: (summary, dryRun) => `Sports Sync X${dryRun ? '（演练）' : ''}：${summary}`,
  headline: (counts, outcome) => `${counts}——${outcome}`,
  inSync: () => '全部已同步，没有需要上传的训练。',
  inSyncShort: () => '全部已同步。',

  routesEvery: (platforms) => `同步方向：${platforms.join('、')} 之间的所有方向`,
  routesListed: (routes) => `同步方向：${routes.join('，')}（SYNC_ROUTES）`,
  routesWithSince: (routes, since) => `${routes}；只复制 ${since} 及之后开始的训练（SYNC_SINCE）`,
  timesIn: (timeZone) => `时间为 ${timeZone} 时区`,

  platformsHeading: () => '平台',
  platformListed: (listed, known) => `本次列出 ${listed} 条，已知 ${known} 条`,
  platformFailed: (kind) => `失败（${kind}；见下方“需要处理”）`,
  tokenValidUntil: (date) => `令牌有效期至 ${date}`,
  // Wrapped by hand: Prettier counts a Chinese character as two columns, the 120 limit counts its three bytes.
  // prettier-ignore
  expiryLine: (platform, date, daysLeft) =>
    daysLeft < 0
      ? `${platform}：保存的登录已于 ${date} 过期；` +
        '请重新登录（node cli.js login --for action）并更新保存的令牌'
      : `${platform}：保存的登录将在${daysLeft === 0 ? '今天' : ` ${daysLeft} 天后`}` +
        `（${date}）过期；` +
        '请在此之前重新登录（node cli.js login --for action）并更新保存的令牌',
  expiryCell: (date, daysLeft, warn) =>
    daysLeft < 0
      ? `${date} ❌ 已过期`
      : warn
        ? `${date} ⚠️ ${daysLeft} 天后过期：运行 \`node cli.js login --for action\` 并更新 secret`
        : date,
  expiryHeading: () => '登录即将过期',

  ...outcomeEntries(OUTCOME_ZH, SUMMARY_OUTCOME_ZH, SECTION_ZH),
  directionCounts: (direction, counts) =>
    `${direction}：${ordered(counts, ORDER)
      .map(([outcome, n]) => `${OUTCOME_ZH[outcome]} ${n} 条`)
      .join('，')}`,
  directionGroup: (direction, count) => `${direction}（${count} 条）：`,
  targetId: (id) => `编号 ${id}`,
  workoutsHeading: () => '训练',
  copiedHeading: (count, dryRun) => (dryRun ? `将复制：${count} 条训练` : `已复制：${count} 条训练`),
  otherResultsHeading: (count) => `其他结果：${count} 条训练`,
  workoutItem: (description, targets) => `${description} → ${targets.join('、')}`,
  targetWithOutcome: (target, outcome) => `${target}（${outcome}）`,

  duplicatesHeading: (count) => `重复记录：${count} 条`,
  duplicatesSectionTitle: () => '同一平台内的重复记录',
  duplicateAction: (action) => DUPLICATE_ZH[action],
  duplicateCounts: (platform, counts) =>
    `${platform}：${[...counts.entries()].map(([action, n]) => `${DUPLICATE_ZH[action]} ${n} 条`).join('，')}`,
  duplicateLine: (platform, duplicateId, keptId, what, action) =>
    `${platform}：${duplicateId} 与 ${keptId} 重复（${what}）——${action}`,
  duplicateWhy: (reason) => `原因：${reason}`,
  deleteDuplicatesHint: (summary) =>
    summary
      ? '设置 `delete-duplicate: true`（或 `DELETE_DUPLICATE=1`）即可删除它们；' +
        '删除前每条都会先把 FIT 备份到 artifact。'
      : '设置 DELETE_DUPLICATE=1 即可删除它们（删除前每条都会先备份 FIT）。',

  attentionHeading: (count) => `需要处理：${count} 项`,
  attentionSectionTitle: () => '需要你处理的事项',
  retriedNextRun: () => '下次运行会自动重试。',
  warningsHeading: () => '警告',
  suspectsHeading: (count) => `可能的时区错误：${count} 处`,
  suspectLine: (a, b, reason) => `${a} ↔ ${b}：${reason}`,
  moreItems: (count) => `……另有 ${count} 项（见运行日志）`,

  summaryPlatformHeader: () => ['平台', '本次列出', '已知', '状态', '保存的登录有效期至'],
  summaryWorkoutHeader: (timeZone) => {
    const start = `开始时间（${timeZone}）`;
    return ['运动', start, '距离', '时长', '来源', '目标与结果'];
  },
  summaryDuplicateHeader: (timeZone) => [
    '平台',
    '重复记录',
    '保留记录',
    `运动、开始时间（${timeZone}）`,
    '处理',
    '原因',
  ],
  summarySuspectHeader: () => ['记录', '记录', '原因'],
  summaryAttentionHeader: () => ['位置', '发生了什么', '下一步'],
  summaryStateHeading: () => '状态与文件',
  summaryRunFooter: (runId, started, finished) => `运行 ${runId}，${started} → ${finished}`,
  logsLink: () => '日志',
  updateAvailable: (latest, current, url) =>
    `Sports Sync X 有新版本：[${latest}](${url})（本次运行的是 ${current}）。` +
    '更新方法见 docs/action.zh-CN.md 的“更新”一节。',

  privacyNote: (stateMode, artifact) => privacyNote(PRIVACY_ZH, stateMode, artifact),

  runLog: () => '运行日志',
  overflow: (count) => `……还有 ${count} 行，见运行日志`,
  heartbeatTitle: () => 'Sports Sync X：每周心跳',
  heartbeatHeadline: (summary) => {
    const lastRun = summary ? `：${summary}` : '没有发现新训练';
    return `定时同步运行正常；上次运行${lastRun}`;
  },
  heartbeatPlatform: (platform, known, error) =>
    `${platform}：已知 ${known} 条训练${error ? `（错误：${error}）` : ''}`,
};

const CATALOGUES: Readonly<Record<Language, Catalogue>> = { en: EN, 'zh-CN': ZH_CN };

export function catalogue(language: Language = 'en'): Catalogue {
  return CATALOGUES[language];
}
