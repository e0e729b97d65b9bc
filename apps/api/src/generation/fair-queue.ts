/**
 * Generations waiting for the model, served round-robin: across boards first, then across the people on a
 * board, first come first served for one person. A team that queues 50 runs delays another team's next run
 * by at most one of theirs (not 50), and one person flooding a board does the same to their teammates.
 */
export interface FairItem {
  id: string;
  boardId: string;
  userId: string;
}

interface BoardLine<T> {
  users: string[]; // whose turn is next, in order
  byUser: Map<string, T[]>;
}

export class FairQueue<T extends FairItem> {
  private boards: string[] = []; // whose turn is next, in order
  private readonly lines = new Map<string, BoardLine<T>>();
  private count = 0;

  /** "fifo": one line for everyone, first come first served (only as the baseline bench:queue measures). */
  constructor(private readonly order_: "fair" | "fifo" = "fair") {}

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const fifo = this.order_ === "fifo";
    const [boardId, userId] = fifo ? ["", ""] : [item.boardId, item.userId];
    let line = this.lines.get(boardId);
    if (!line) {
      line = { users: [], byUser: new Map() };
      this.lines.set(boardId, line);
      this.boards.push(boardId);
    }
    let mine = line.byUser.get(userId);
    if (!mine) {
      mine = [];
      line.byUser.set(userId, mine);
      line.users.push(userId);
    }
    mine.push(item);
    this.count++;
  }

  /** The next item to run, left in the queue. */
  peek(): T | undefined {
    const boardId = this.boards[0];
    if (boardId === undefined) return undefined;
    const line = this.lines.get(boardId)!;
    return line.byUser.get(line.users[0]!)![0];
  }

  /** How many items wait whose userId is `userId` (in "fifo" order too). */
  countOf(userId: string): number {
    let k = 0;
    for (const line of this.lines.values())
      for (const xs of line.byUser.values()) for (const x of xs) if (x.userId === userId) k++;
    return k;
  }

  /** The next item to run, taken out of the queue; its board and person go to the back of their lines. */
  shift(): T | undefined {
    const boardId = this.boards.shift();
    if (boardId === undefined) return undefined;
    const line = this.lines.get(boardId)!;
    const userId = line.users.shift()!;
    const mine = line.byUser.get(userId)!;
    const item = mine.shift()!;
    this.count--;
    if (mine.length > 0) line.users.push(userId);
    else line.byUser.delete(userId);
    if (line.users.length > 0) this.boards.push(boardId);
    else this.lines.delete(boardId);
    return item;
  }

  /** Removes an item wherever it waits (a cancel); false if it is not here. */
  remove(id: string): T | undefined {
    for (const [boardId, line] of this.lines) {
      for (const [userId, mine] of line.byUser) {
        const i = mine.findIndex((x) => x.id === id);
        if (i < 0) continue;
        const [item] = mine.splice(i, 1);
        this.count--;
        if (mine.length === 0) {
          line.byUser.delete(userId);
          line.users = line.users.filter((u) => u !== userId);
        }
        if (line.users.length === 0) {
          this.lines.delete(boardId);
          this.boards = this.boards.filter((b) => b !== boardId);
        }
        return item;
      }
    }
    return undefined;
  }

  /** Everything waiting, in the order it will run (the queue is not changed). */
  order(): T[] {
    const copy = new FairQueue<T>(this.order_);
    copy.boards = [...this.boards];
    for (const [b, line] of this.lines)
      copy.lines.set(b, {
        users: [...line.users],
        byUser: new Map([...line.byUser].map(([u, xs]) => [u, [...xs]])),
      });
    copy.count = this.count;
    const out: T[] = [];
    for (let x = copy.shift(); x; x = copy.shift()) out.push(x);
    return out;
  }
}
