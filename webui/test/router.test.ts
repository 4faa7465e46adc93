import { describe, expect, it } from 'vitest';
import { href, parse } from '../src/router';

describe('router', () => {
  it('keeps the setup token of a setup link', () => {
    expect(parse('/setup', '?token=abc123')).toEqual({ name: 'setup', token: 'abc123' });
    expect(parse('/setup', '')).toEqual({ name: 'setup' });
    expect(href({ name: 'setup', token: 'a b&c' })).toBe('/setup?token=a%20b%26c');
    expect(parse('/setup', '?token=a%20b%26c')).toEqual({ name: 'setup', token: 'a b&c' });
    expect(href({ name: 'setup' })).toBe('/setup');
  });
  it('routes the system health page', () => {
    expect(parse('/admin/health')).toEqual({ name: 'health' });
    expect(href({ name: 'health' })).toBe('/admin/health');
    expect(parse('/admin/health/x')).toEqual({ name: 'notFound' });
  });
  it('routes the assistant admin screen', () => {
    expect(parse('/w/3/admin/assistant')).toEqual({ name: 'assistantAdmin', ws: 3 });
    expect(href({ name: 'assistantAdmin', ws: 3 })).toBe('/w/3/admin/assistant');
  });

  it('routes the integrations page of a workspace', () => {
    expect(parse('/w/3/admin/integrations')).toEqual({ name: 'integrations', ws: 3 });
    expect(href({ name: 'integrations', ws: 3 })).toBe('/w/3/admin/integrations');
    expect(parse('/w/3/admin/other')).toEqual({ name: 'notFound' });
  });
});
