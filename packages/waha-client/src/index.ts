export {
  createWahaClient,
  DEFAULT_MAX_MEDIA_BYTES,
  type DownloadMediaOptions,
  type MediaKind,
  type SendMediaInput,
  type SendTextInput,
  type WahaClient,
  type WahaClientOptions,
  type WahaFile,
} from './client.js';
export {
  classifyStatus,
  isTransient,
  isWahaError,
  WAHA_ERROR_KINDS,
  WahaError,
  type WahaErrorInit,
  type WahaErrorKind,
} from './errors.js';
export type { WahaCallInfo } from './http.js';
export { parseSendResponse, type SentMessage } from './sendResponse.js';
