// The page's two languages stay in step: the same keys, the same placeholders, and every key the HTML names exists.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
const PUBLIC = resolve(import.meta.dirname, '..', '..', 'src', 'web', 'public');

interface I18n {
  LANGS: string[];
  MESSAGES: Record<string, Record<string, string>>;
  initialLang: (stored: string | null, navigatorLanguage: string | undefined) => string;
  translate: (lang: string, key: string, params?: Record<string, unknown>) => string;
}

// Loaded by URL: the page's plain JavaScript is not part of the TypeScript program.
const i18n = (await import(pathToFileURL(join(PUBLIC, 'i18n.js')).href)) as I18n;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('web page text', () => {
  it('has the same keys and placeholders in Finnish and English', () => {
    const { en, fi } = i18n.MESSAGES as { en: Record<string, string>; fi: Record<string, string> };
    expect(Object.keys(fi).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en)) expect(placeholders(fi[key]!), key).toEqual(placeholders(en[key]!));
  });

  it('names only existing keys in the HTML and the scripts', () => {
    const html = readFileSync(join(PUBLIC, 'index.html'), 'utf8');
    const used = [...html.matchAll(/data-i18n(?:-aria)?="(\w+)"/g)].map((m) => m[1]!);
    for (const file of readdirSync(PUBLIC).filter((f) => f.endsWith('.js') && f !== 'i18n.js')) {
      const js = readFileSync(join(PUBLIC, file), 'utf8');
      used.push(...[...js.matchAll(/\bt\('(\w+)'/g)].map((m) => m[1]!));
    }
    expect(used.length).toBeGreaterThan(50);
    expect(used.filter((k) => !(k in i18n.MESSAGES.en!))).toEqual([]);
  });

  it('picks the remembered language, else the browser one, and fills placeholders', () => {
    expect(i18n.initialLang('fi', 'en-US')).toBe('fi');
    expect(i18n.initialLang(null, 'fi-FI')).toBe('fi');
    expect(i18n.initialLang('xx', 'sv-SE')).toBe('en');
    expect(i18n.translate('fi', 'shownOf', { shown: 3, total: 9 })).toBe('Näytetään 3 / 9');
    expect(i18n.translate('en', 'no-such-key')).toBe('no-such-key');
  });
});
