export {
  startGarminSandbox,
  type GarminSandbox,
  type GarminSandboxOptions,
  type SandboxAccountInput,
  type SandboxActivityInput,
  type SandboxActivity,
  type FaultSettings,
  type FaultKind,
  type LoginBlock,
  type SandboxCounters,
  type SandboxRequestRecord,
} from './garmin-sandbox.ts';
