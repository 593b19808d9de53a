import { Fragment, type ReactNode } from 'react';
import { Typography } from 'antd';
import { parseMarkdown, type Inline } from '../markdown.ts';

function inline(nodes: Inline[]): ReactNode {
  return nodes.map((n, i) => {
    switch (n.t) {
      case 'text':
        // Line breaks inside a paragraph are kept as the author typed them.
        return <Fragment key={i}>{n.v.split('\n').map((line, j) => (j ? [<br key={j} />, line] : line))}</Fragment>;
      case 'b':
        return <strong key={i}>{inline(n.c)}</strong>;
      case 'i':
        return <em key={i}>{inline(n.c)}</em>;
      case 'code':
        return <Typography.Text key={i} code>{n.v}</Typography.Text>;
      case 'a':
        return <a key={i} href={n.href} target="_blank" rel="noopener noreferrer nofollow">{inline(n.c)}</a>;
    }
  });
}

/** A notice body: simple Markdown rendered as React elements (never as HTML), or plain text as typed. */
export function NoticeBody({ body, format }: { body: string; format: 'text' | 'markdown' }) {
  if (format === 'text') return <div style={{ whiteSpace: 'pre-wrap' }} data-testid="notice-body">{body}</div>;
  return (
    <div data-testid="notice-body">
      {parseMarkdown(body).map((b, i) => {
        if (b.type === 'h') return <Typography.Title key={i} level={(b.level + 2) as 3 | 4 | 5}>{inline(b.c)}</Typography.Title>;
        if (b.type === 'p') return <Typography.Paragraph key={i}>{inline(b.c)}</Typography.Paragraph>;
        const items = b.items.map((it, j) => <li key={j}>{inline(it)}</li>);
        return b.type === 'ul' ? <ul key={i}>{items}</ul> : <ol key={i}>{items}</ol>;
      })}
    </div>
  );
}
