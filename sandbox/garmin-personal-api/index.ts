export {
  startPersonalApiSandbox,
  PERSONAL_API_HOSTS,
  TOKEN_PATH,
  CONNECTAPI_DOWNLOAD_PATH,
  type PersonalApiSandbox,
  type PersonalApiSandboxOptions,
  type PersonalApiKnobs,
  type PersonalApiCounters,
  type PersonalApiActivity,
  type ActivitySource,
  type PersonalRegion,
  type KeyInput,
} from './personal-api-sandbox.ts';
