/** The languages reports, job summaries and notifications are written in. */
export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

/** SYNC_LANGUAGE's spellings: en, english; zh-CN, zh, cn, zh_cn, chinese. Undefined for anything else. */
export function parseLanguage(raw: string): Language | undefined {
  const value = raw.trim().toLowerCase().replace(/_/g, '-');
  if (['en', 'en-us', 'en-gb', 'english'].includes(value)) return 'en';
  if (['zh-cn', 'zh', 'cn', 'zh-hans', 'chinese', '中文', '简体中文'].includes(value)) return 'zh-CN';
  return undefined;
}
