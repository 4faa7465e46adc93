import { describe, expect, it } from 'vitest';
import { code, link, prefixLines, tokenBefore, wrap } from '../src/compose/format';
import { BUILTIN_COMMANDS, matchCommands } from '../src/compose/slash';

describe('composer formatting', () => {
  it('wraps and unwraps the selection', () => {
    const e = wrap({ text: 'make bold now', start: 5, end: 9 }, '**');
    expect(e).toEqual({ text: 'make **bold** now', start: 7, end: 11 });
    expect(wrap(e, '**')).toEqual({ text: 'make bold now', start: 5, end: 9 });
  });
  it('makes inline code or a fenced block', () => {
    expect(code({ text: 'run ls', start: 4, end: 6 }).text).toBe('run `ls`');
    expect(code({ text: 'a\nb', start: 0, end: 3 }).text).toBe('```\na\nb\n```');
  });
  it('quotes lines and adds links', () => {
    expect(prefixLines({ text: 'one\ntwo', start: 0, end: 7 }, '> ').text).toBe('> one\n> two');
    expect(prefixLines({ text: '> one\n> two', start: 0, end: 11 }, '> ').text).toBe('one\ntwo');
    expect(link({ text: 'see docs', start: 4, end: 8 })).toEqual({ text: 'see [docs](https://)', start: 11, end: 19 });
  });
  it('finds : and / triggers', () => {
    expect(tokenBefore('nice :sm', 8)).toEqual({ kind: 'emoji', start: 5, query: 'sm' });
    expect(tokenBefore('nice :s', 7)).toBeNull();
    expect(tokenBefore('10:30', 5)).toBeNull();
    expect(tokenBefore('/su', 3)).toEqual({ kind: 'slash', start: 0, query: 'su' });
    expect(tokenBefore('a /su', 5)).toBeNull();
  });
  it('matches slash commands by name first', () => {
    expect(matchCommands(BUILTIN_COMMANDS, 's').map((c) => c.name)).toEqual(['summarize']);
    expect(matchCommands(BUILTIN_COMMANDS, '').map((c) => c.name)).toEqual(['ask', 'summarize', 'translate', 'help']);
    expect(matchCommands(BUILTIN_COMMANDS, 'question').map((c) => c.name)).toEqual(['ask']);
  });
});
