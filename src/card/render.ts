// Renders a model card to Markdown and to one self-contained HTML page (inline CSS and SVG, no external assets).
import type { ModelCard } from '../schemas/model-card.js';
import { type Block, cardSections, type Table } from './document.js';
import { escapeXml } from './svg.js';

const mdCell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function markdownTable(t: Table): string {
  return [`*${t.caption}*`, '', `| ${t.headers.map(mdCell).join(' | ')} |`, `|${t.headers.map(() => ' --- ').join('|')}|`, ...t.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
}

function markdownBlock(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return b.text;
    case 'list':
      return b.items.map((i) => `- ${i}`).join('\n');
    case 'table':
      return markdownTable(b.table);
    case 'figure':
      // Markdown viewers differ in inline SVG support; the figure's text alternative stands in, the HTML card draws it.
      return `*Figure: ${b.title}.* ${b.description} (drawn in model-card.html)`;
  }
}

export function renderMarkdown(card: ModelCard): string {
  const title = `# Model card: ${card.model_details.name.value} ${card.model_details.version.value}`;
  const body = cardSections(card).flatMap((s) => [`## ${s.title}`, ...s.blocks.map(markdownBlock)]);
  return `${[title, ...body].join('\n\n')}\n`;
}

function htmlTable(t: Table): string {
  const head = `<tr>${t.headers.map((h) => `<th scope="col">${escapeXml(h)}</th>`).join('')}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<caption>${escapeXml(t.caption)}</caption>\n<thead>${head}</thead>\n<tbody>\n${rows}\n</tbody>\n</table>`;
}

function htmlBlock(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${escapeXml(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${escapeXml(i)}</li>`).join('')}</ul>`;
    case 'table':
      return htmlTable(b.table);
    case 'figure':
      return `<figure data-graphic="${escapeXml(b.name)}">\n${b.svg}\n<figcaption>${escapeXml(b.title)}. ${escapeXml(b.description)}</figcaption>\n</figure>`;
  }
}

const CSS = `body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}
table{border-collapse:collapse;margin:1rem 0;width:100%}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top;word-break:break-word}
figure{margin:1.5rem 0}svg{max-width:100%;height:auto;font-size:11px}.suppressed{fill:#666;font-style:italic}`;

export function renderHtml(card: ModelCard): string {
  const title = `Model card: ${card.model_details.name.value} ${card.model_details.version.value}`;
  const sections = cardSections(card).map((s) => `<section>\n<h2>${escapeXml(s.title)}</h2>\n${s.blocks.map(htmlBlock).join('\n')}\n</section>`);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeXml(title)}</h1>`,
    ...sections,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
