import { existsSync } from "node:fs";
import path from "node:path";

/** The folder holding package.json, found the same way whether we run from src/ (tsx, jest) or dist/ (node). */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
