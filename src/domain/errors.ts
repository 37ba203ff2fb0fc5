// Errors are typed values with the code the API returns (STYLE.md).

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  not_found: 404,
  bot_not_found: 404,
  contact_not_found: 404,
  conversation_not_found: 404,
  identity_not_found: 404,
  message_not_found: 404,
  merge_not_found: 404,
  unknown_channel: 422,
  invalid_phone: 422,
  invalid_email: 422,
  invalid_region: 422,
  invalid_cursor: 400,
  invalid_webhook_url: 422,
  unknown_event_type: 422,
  webhook_endpoint_not_found: 404,
  webhook_delivery_not_found: 404,
  payload_too_large: 413,
  payload_too_long: 422,
  conflict: 409,
  contacts_busy: 503,
  suggestion_not_found: 404,
  suggestion_already_decided: 409,
  invalid_signature: 401,
  verify_token_mismatch: 403,
  webhook_not_configured: 403,
  invalid_payload: 400,
  no_webhook_for_channel: 404,
  window_closed: 422,
  no_recipient: 422,
  merge_into_itself: 422,
  unknown_merge_field: 422,
  contact_already_merged: 409,
  merge_already_undone: 409,
  merge_has_later_changes: 409,
  last_identity: 409,
  channel_not_linkable: 422,
  no_bot_for_channel: 422,
  bot_channel_mismatch: 422,
  invalid_rule: 422,
  rule_not_found: 404,
  erase_required: 400,
  invalid_json_shape: 400,
  invalid_text: 400,
  invalid_url: 400,
  uri_too_long: 414,
  unsupported_media_type: 415,
  header_too_large: 431,
  rate_limited: 429,
  bad_request: 400,
  request_timeout: 408,
  bot_disconnected: 409,
  invalid_bot_token: 422,
  bot_handle_mismatch: 422,
  messenger_unreachable: 502,
  webhook_not_registered: 502,
  database_unavailable: 503,
  commit_unknown: 503,
  text_too_long: 422,
  recipient_unreachable: 422,
  message_not_failed: 409,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = ERROR_STATUS[code];
  }
}
