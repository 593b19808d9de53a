/**
 * A deliberately small Markdown subset for notices, parsed to a tree that React renders as elements:
 * no HTML ever reaches the page (a `<script>` in a notice shows as text), and links must be http(s).
 */
export type Inline =
  | { t: 'text'; v: string }
  | { t: 'b'; c: Inline[] }
  | { t: 'i'; c: Inline[] }
  | { t: 'code'; v: string }
  | { t: 'a'; href: string; c: Inline[] };

export type Block =
  | { type: 'h'; level: 1 | 2 | 3; c: Inline[] }
  | { type: 'p'; c: Inline[] }
  | { type: 'ul' | 'ol'; items: Inline[][] };

const INLINE = /`([^`]+)`|\*\*(.+?)\*\*|\*(.+?)\*|\[([^\]]+)\]\(([^)\s]+)\)/;

/** Parses bold, italic, code and links, e.g. parseInline('**a** b') → [{t:'b',c:[{t:'text',v:'a'}]},{t:'text',v:' b'}]. */
export function parseInline(s: string): Inline[] {
  const out: Inline[] = [];
  let rest = s;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push({ t: 'text', v: rest });
      break;
    }
    if (m.index > 0) out.push({ t: 'text', v: rest.slice(0, m.index) });
    if (m[1] !== undefined) out.push({ t: 'code', v: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'b', c: parseInline(m[2]) });
    else if (m[3] !== undefined) out.push({ t: 'i', c: parseInline(m[3]) });
    else if (/^https?:\/\//i.test(m[5]!)) out.push({ t: 'a', href: m[5]!, c: parseInline(m[4]!) });
    else out.push({ t: 'text', v: m[0] });
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

/** Headings (#, ##, ###), bullet (- or *) and numbered (1.) lists, paragraphs split by blank lines. */
export function parseMarkdown(src: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: { type: 'ul' | 'ol'; items: Inline[][] } | null = null;
  const flush = () => {
    if (para.length) blocks.push({ type: 'p', c: parseInline(para.join('\n')) });
    para = [];
    if (list) blocks.push(list);
    list = null;
  };
  for (const raw of src.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    const h = /^(#{1,3})\s+(.*)$/.exec(line);
    const ul = /^\s*[-*]\s+(.*)$/.exec(line);
    const ol = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (!line.trim()) flush();
    else if (h) {
      flush();
      blocks.push({ type: 'h', level: h[1]!.length as 1 | 2 | 3, c: parseInline(h[2]!) });
    } else if (ul || ol) {
      const type = ul ? 'ul' : 'ol';
      if (para.length || (list && list.type !== type)) flush();
      list ??= { type, items: [] };
      list.items.push(parseInline((ul ?? ol)![1]!));
    } else {
      if (list) flush();
      para.push(line);
    }
  }
  flush();
  return blocks;
}
