import { Canvas } from '../Canvas';
import type { CanvasPicture } from '../editor-context';
import './versions.css';

/**
 * A read-only picture in the canvas's place (a published version, or a diff drawn on the merged
 * documents), titled, with the way back to the draft. Each picture is fitted into view anew.
 */
export function PictureCanvas({ picture, onClose }: { picture: CanvasPicture; onClose(): void }) {
  const { viewport: _fitted, ...doc } = picture.doc;
  return (
    <div className="picture" data-testid="picture">
      <div className="picture-title" role="status">
        <span>
          {picture.title} <span className="hint">(read-only)</span>
        </span>
        {picture.marks && <DiffLegend />}
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Back to the draft
        </button>
      </div>
      <Canvas key={picture.title} doc={doc} marks={picture.marks} />
    </div>
  );
}

function DiffLegend() {
  return (
    <span className="diff-legend">
      <span className="legend legend-added">added</span>
      <span className="legend legend-changed">changed</span>
      <span className="legend legend-removed">removed</span>
    </span>
  );
}
