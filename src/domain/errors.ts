// Errors are typed values with the code the API returns (STYLE.md).

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  not_found: 404,
  bot_not_found: 404,
  contact_not_found: 404,
  conversation_not_found: 404,
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
  conflict: 409,
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
