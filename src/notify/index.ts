/** Notifications: one summary per run to the channels users live in (see docs in notify-config.ts). */
export {
  parseNotifyConfig,
  parseNotifyConfigTolerant,
  parseWeComKey,
  describeNotifyConfig,
  NOTIFY_VARIABLES,
  type NotifyConfig,
  type NotifyPolicy,
  type HeartbeatMode,
  type ChannelConfig,
  type WeComMessageType,
} from '../config/notify-config.ts';
export {
  notifyRun,
  policyDecision,
  heartbeatDue,
  createNotifier,
  channelDeps,
  sendToAll,
  type NotifyDeps,
  type NotifyResult,
  type PolicyDecision,
} from './notify.ts';
export {
  buildReportMessage,
  buildHeartbeatMessage,
  credentialExpiryWarnings,
  reportHasFailures,
  type NotificationMessage,
  type MessageSection,
  type BuildMessageOptions,
  type ExpiryWarning,
} from './message.ts';
export { renderLines, renderParts, renderReport, type Dialect, type RenderLimits } from './render.ts';
export { truncateUtf8, truncateChars, truncateToFit, packLines, utf8ByteLength } from './text-fit.ts';
export type { Notifier, ChannelDeps } from './channel-support.ts';
