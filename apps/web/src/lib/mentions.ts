/** A comment's text cut into plain runs and @mentions of board members (longest name wins, any case). */
export type Run = { text: string } | { mention: string; userId: string };

export function splitMentions(body: string, members: { id: string; displayName: string }[]): Run[] {
  const names = [...members].sort((a, b) => b.displayName.length - a.displayName.length);
  const out: Run[] = [];
  let plain = "";
  for (let i = 0; i < body.length; i++) {
    const prev = i === 0 ? " " : body[i - 1]!;
    if (body[i] === "@" && /[\s([{"'“‘]/.test(prev)) {
      const rest = body.slice(i + 1).toLowerCase();
      const m = names.find((n) => {
        const name = n.displayName.toLowerCase();
        if (!name || !rest.startsWith(name)) return false;
        const after = rest.charAt(name.length);
        return after === "" || !/[\p{L}\p{N}_]/u.test(after); // a whole name, not the start of a longer word
      });
      if (m) {
        if (plain) out.push({ text: plain });
        plain = "";
        out.push({ mention: body.slice(i, i + 1 + m.displayName.length), userId: m.id });
        i += m.displayName.length;
        continue;
      }
    }
    plain += body[i];
  }
  if (plain) out.push({ text: plain });
  return out;
}
