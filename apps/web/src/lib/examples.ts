/**
 * Prompts the shipped model draws well (see models/tessera-sticker/MODEL_CARD.md): the home page shows them and
 * a sample board starts with them. Everyday wording on purpose — the model was trained on many phrasings.
 */
export const EXAMPLE_PROMPTS = [
  "a cat in the top left corner",
  "a blue banana",
  "two strawberries",
  "a rocket to the left of a moon",
  "一只狗在右下角",
  "a large pizza on a black background",
] as const;
