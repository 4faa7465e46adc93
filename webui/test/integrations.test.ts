import { describe, expect, it } from 'vitest';
import { isCommandAnswer } from '../src/api/integrations';

describe('isCommandAnswer', () => {
  it('tells a slash command answer from a message', () => {
    expect(isCommandAnswer({ command: '/deploy', response_type: 'ephemeral', text: 'hi', ok: true, chat_id: 1 })).toBe(true);
    expect(isCommandAnswer({ id: 1, seq: 4, content: '/deploy main' })).toBe(false);
    expect(isCommandAnswer(null)).toBe(false);
  });
});
