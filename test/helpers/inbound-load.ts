import { client } from './server.js';

// Clients posting POST /v1/inbound as a messenger bridge would: each sends its messages in order and
// sends a message again, with the same message_id, until it is acknowledged (200). Used by the database
// fault tests to count what was acknowledged, what was refused and how, and when.

export interface Answered {
  startedAt: number;
  endedAt: number;
  /** the HTTP status, or 0 when the connection failed */
  status: number;
  code?: string;
  retryAfter?: string | null;
}

export interface LoadFigures {
  /** message ids answered 200 */
  acked: string[];
  answers: Answered[];
  /** 503s by error code */
  refused: Record<string, number>;
  /** requests that got no HTTP answer at all */
  connectionErrors: number;
  /** 503s without a Retry-After header or without the error shape */
  malformed: number;
  /** other statuses than 200 and 503 */
  unexpected: Array<{ status: number; body: unknown }>;
  slowestMs: number;
}

export function startInboundLoad(url: string, apiKey: string, botId: string, clients = 4): { figures: LoadFigures; stop: () => Promise<LoadFigures> } {
  const api = client(url, apiKey);
  const figures: LoadFigures = { acked: [], answers: [], refused: {}, connectionErrors: 0, malformed: 0, unexpected: [], slowestMs: 0 };
  let running = true;
  const sender = async (i: number) => {
    for (let n = 0; running; ) {
      const messageId = `c${i}-${n}`;
      const startedAt = Date.now();
      let answered: Answered;
      try {
        const answer = await api('POST', '/v1/inbound', { bot_id: botId, external_user_id: `user-${i}`, message_id: messageId, text: `message ${n}` });
        answered = { startedAt, endedAt: Date.now(), status: answer.status, code: answer.body?.error?.code, retryAfter: answer.headers.get('retry-after') };
        if (answer.status === 200) {
          figures.acked.push(messageId);
          n++;
        } else if (answer.status === 503) {
          figures.refused[answered.code ?? '?'] = (figures.refused[answered.code ?? '?'] ?? 0) + 1;
          if (!answered.retryAfter || typeof answer.body?.error?.message !== 'string') figures.malformed++;
        } else {
          figures.unexpected.push({ status: answer.status, body: answer.body });
        }
      } catch {
        answered = { startedAt, endedAt: Date.now(), status: 0 };
        figures.connectionErrors++;
      }
      figures.answers.push(answered);
      figures.slowestMs = Math.max(figures.slowestMs, answered.endedAt - startedAt);
      // a refused message is sent again soon (sooner than Retry-After, to measure the recovery closely)
      if (answered.status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const senders = Array.from({ length: clients }, (_, i) => sender(i));
  return {
    /** so far */
    figures,
    stop: async () => {
      running = false;
      await Promise.all(senders);
      return figures;
    },
  };
}

/** The first 200 answer started after `since`: how long after `since` it ended. */
export function firstSuccessAfter(figures: LoadFigures, since: number): number | null {
  const first = figures.answers.filter((a) => a.status === 200 && a.startedAt >= since).sort((a, b) => a.endedAt - b.endedAt)[0];
  return first ? first.endedAt - since : null;
}

/** Seconds from the first answer that was not a 200 to the last one. */
export function unavailableSeconds(figures: LoadFigures): number {
  const failed = figures.answers.filter((a) => a.status !== 200);
  if (failed.length === 0) return 0;
  return (Math.max(...failed.map((a) => a.endedAt)) - Math.min(...failed.map((a) => a.startedAt))) / 1000;
}
