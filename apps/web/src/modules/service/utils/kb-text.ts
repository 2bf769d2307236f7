/**
 * An article's Markdown as plain text for a reply (the conversation is plain text): images and the article's own
 * attachments dropped, links written as "text (address)", emphasis and heading marks removed, paragraphs kept.
 */
export function replyTextOf(title: string, markdown: string): string {
  const body = markdown
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\(kb-attachment:[^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\(([^)\s]+)\)/g, (_, text: string, url: string) =>
      text === url ? url : `${text} (${url})`,
    )
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/^>\s?/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return body ? `${title}\n\n${body}` : title;
}

/** An article's link for a reply: its title, then the help centre's address on a line of its own. */
export function replyLinkOf(title: string, link: string): string {
  return `${title}\n${link}`;
}
