import { useEffect, useState } from "react";
import { friendlyError, gql } from "../lib/gql.ts";
import { Q_MATRIX } from "../lib/queries.ts";
import { CandidateGrid } from "./CandidateGrid.tsx";
import { useGeneration } from "./useGeneration.ts";

interface Matrix {
  id: string;
  template: string;
  rows: number;
  cols: number;
  rowLabels: string[];
  colLabels: string[];
  cells: { row: number; col: number; prompt: string; generation: { id: string } }[];
}

function Cell({ generationId, prompt }: { generationId: string; prompt: string }) {
  const { gen, error } = useGeneration(generationId);
  return (
    <fieldset className="matrix-cell" title={prompt} aria-label={prompt}>
      {error ? (
        <p className="gen-error">{error}</p>
      ) : gen ? (
        <CandidateGrid gen={gen} topOnly />
      ) : (
        <div className="matrix-skeleton skeleton" aria-busy="true" />
      )}
    </fieldset>
  );
}

/**
 * A prompt matrix (issue 17 item 4) as a labelled grid: the last group of alternatives across, the others down,
 * each cell its generation's best image, rendering live like any generation.
 */
export function MatrixGrid({ matrixId }: { matrixId: string }) {
  const [matrix, setMatrix] = useState<Matrix | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    gql<{ promptMatrix: Matrix | null }>(Q_MATRIX, { id: matrixId })
      .then((r) => {
        if (!live) return;
        if (r.promptMatrix) setMatrix(r.promptMatrix);
        else setError("This matrix is gone.");
      })
      .catch((e) => live && setError(friendlyError(e)));
    return () => {
      live = false;
    };
  }, [matrixId]);
  if (error) return <p className="gen-error">{error}</p>;
  if (!matrix) return <div className="matrix-skeleton skeleton" aria-busy="true" />;
  const labelled = matrix.rowLabels.some((l) => l !== "");
  return (
    <section className="matrix" aria-label={`Prompt matrix: ${matrix.template}`}>
      <table className="matrix-grid">
        <thead>
          <tr>
            {labelled && <td className="matrix-corner" />}
            {matrix.colLabels.map((l) => (
              <th scope="col" key={l} className="matrix-label col" title={l}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.rowLabels.map((label, r) => (
            <tr key={label || "row"}>
              {labelled && (
                <th scope="row" className="matrix-label row" title={label}>
                  {label}
                </th>
              )}
              {matrix.cells
                .filter((c) => c.row === r)
                .map((c) => (
                  <td key={c.generation.id}>
                    <Cell generationId={c.generation.id} prompt={c.prompt} />
                  </td>
                ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
