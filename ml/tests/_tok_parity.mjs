// Encodes stdin's JSON list of texts with @huggingface/tokenizers (the runner's library); prints the ids.
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const tok = new Tokenizer(JSON.parse(readFileSync(process.argv[2], "utf8")), {});
const texts = JSON.parse(readFileSync(0, "utf8"));
console.log(JSON.stringify(texts.map((t) => tok.encode(t, { add_special_tokens: false }).ids)));
