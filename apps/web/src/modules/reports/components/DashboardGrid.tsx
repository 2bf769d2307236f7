import { ActionIcon, Tooltip } from '@mantine/core';
import { IconArrowsMove, IconResize } from '@tabler/icons-react';
import { type KeyboardEvent, type PointerEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Box, COLUMNS, place, rowsOf } from '../utils/grid-layout.ts';

/** Height of one grid row and the gap between boxes, in pixels. */
export const ROW_HEIGHT = 72;
const GAP = 12;

interface Drag {
  id: string;
  mode: 'move' | 'resize';
  startX: number;
  startY: number;
  dx: number;
  dy: number;
}

/**
 * The dashboard's grid: 12 columns, boxes placed with `inset-inline-start`, so in Arabic and Persian the first column
 * is on the right and the grid mirrors. In edit mode a box moves by its handle (pointer, or the arrow keys) and
 * resizes by its corner (pointer, or Shift with the arrow keys); boxes in the way move down while it is dragged.
 * A drag's horizontal distance is counted in reading direction, so dragging toward the start is the same gesture in
 * both directions.
 */
export function DashboardGrid({
  boxes,
  editing,
  rtl,
  render,
  titleOf,
  onChange,
}: {
  boxes: Box[];
  editing: boolean;
  rtl: boolean;
  render: (box: Box, height: number, handles: ReactNode) => ReactNode;
  titleOf: (id: string) => string;
  onChange: (boxes: Box[]) => void;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1200);
  const [drag, setDrag] = useState<Drag | null>(null);
  useEffect(() => {
    if (!ref.current) return;
    const observer = new ResizeObserver((entries) => setWidth(entries[0]?.contentRect.width ?? 1200));
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, []);
  const column = (width + GAP) / COLUMNS;
  const row = ROW_HEIGHT + GAP;
  const inline = (dx: number) => (rtl ? -dx : dx);
  const target = (d: Drag): Partial<Box> | null => {
    const box = boxes.find((b) => b.id === d.id);
    if (!box) return null;
    const cols = Math.round(inline(d.dx) / column);
    const rows = Math.round(d.dy / row);
    return d.mode === 'move' ? { x: box.x + cols, y: box.y + rows } : { w: box.w + cols, h: box.h + rows };
  };
  const moved = drag ? target(drag) : null;
  const shown = drag && moved ? place(boxes, drag.id, moved) : boxes;

  const start = (id: string, mode: Drag['mode']) => (event: PointerEvent<HTMLElement>) => {
    if (event.button !== 0) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    setDrag({ id, mode, startX: event.clientX, startY: event.clientY, dx: 0, dy: 0 });
  };
  const follow = (event: PointerEvent<HTMLElement>) => {
    if (!drag) return;
    setDrag({ ...drag, dx: event.clientX - drag.startX, dy: event.clientY - drag.startY });
  };
  const drop = () => {
    if (!drag) return;
    const change = target(drag);
    setDrag(null);
    if (change) onChange(place(boxes, drag.id, change));
  };
  const keys =
    (id: string, resize = false) =>
    (event: KeyboardEvent<HTMLElement>) => {
      const box = boxes.find((b) => b.id === id);
      if (!box) return;
      // Arrows follow the reading direction: in Persian the left arrow moves a box toward the end of the line.
      const step: Record<string, [number, number]> = {
        ArrowLeft: [rtl ? 1 : -1, 0],
        ArrowRight: [rtl ? -1 : 1, 0],
        ArrowUp: [0, -1],
        ArrowDown: [0, 1],
      };
      const s = step[event.key];
      if (!s) return;
      event.preventDefault();
      onChange(
        place(
          boxes,
          id,
          resize || event.shiftKey
            ? { w: box.w + s[0], h: box.h + s[1] }
            : { x: box.x + s[0], y: box.y + s[1] },
        ),
      );
    };

  const rows = Math.max(rowsOf(shown), 2) + (editing ? 2 : 0);
  const landing = drag ? shown.find((b) => b.id === drag.id) : undefined;
  const left = (x: number) => `${(x * column * 100) / (width + GAP)}%`;
  return (
    <div
      ref={ref}
      data-testid="dashboard-grid"
      data-editing={editing ? 'true' : 'false'}
      style={{ position: 'relative', height: rows * row - GAP, touchAction: editing ? 'none' : undefined }}
    >
      {landing && (
        <div
          aria-hidden
          data-testid="widget-landing"
          style={{
            position: 'absolute',
            insetInlineStart: left(landing.x),
            top: landing.y * row,
            width: landing.w * column - GAP,
            height: landing.h * row - GAP,
            border: '2px dashed var(--mantine-color-blue-5)',
            borderRadius: 8,
            pointerEvents: 'none',
          }}
        />
      )}
      {shown.map((box) => {
        const dragging = drag?.id === box.id;
        const original = boxes.find((b) => b.id === box.id) ?? box;
        // The box being dragged follows the pointer; a shadow shows where it will land.
        const at = dragging ? original : box;
        const height = at.h * row - GAP + (dragging && drag.mode === 'resize' ? drag.dy : 0);
        const style = {
          position: 'absolute' as const,
          insetInlineStart: left(at.x),
          top: at.y * row,
          width: at.w * column - GAP + (dragging && drag.mode === 'resize' ? inline(drag.dx) : 0),
          height,
          transform: dragging && drag.mode === 'move' ? `translate(${drag.dx}px, ${drag.dy}px)` : undefined,
          zIndex: dragging ? 2 : 1,
          transition: dragging ? undefined : 'top 120ms, inset-inline-start 120ms',
        };
        const handles = editing ? (
          <Tooltip label={t('dashboards.moveHint')}>
            <ActionIcon
              variant="subtle"
              size="sm"
              aria-label={t('dashboards.move', { title: titleOf(box.id) })}
              data-testid="widget-move"
              style={{ cursor: 'grab', touchAction: 'none' }}
              onPointerDown={start(box.id, 'move')}
              onPointerMove={follow}
              onPointerUp={drop}
              onPointerCancel={() => setDrag(null)}
              onKeyDown={keys(box.id)}
            >
              <IconArrowsMove size={16} />
            </ActionIcon>
          </Tooltip>
        ) : null;
        return (
          <div
            key={box.id}
            style={style}
            data-box={box.id}
            data-x={box.x}
            data-y={box.y}
            data-w={box.w}
            data-h={box.h}
          >
            {render(at, height, handles)}
            {editing && (
              <button
                type="button"
                aria-label={t('dashboards.resize', { title: titleOf(box.id) })}
                title={t('dashboards.resizeHint')}
                data-testid="widget-resize"
                onPointerDown={start(box.id, 'resize')}
                onPointerMove={follow}
                onPointerUp={drop}
                onPointerCancel={() => setDrag(null)}
                onKeyDown={keys(box.id, true)}
                style={{
                  position: 'absolute',
                  insetInlineEnd: 2,
                  bottom: 2,
                  width: 20,
                  height: 20,
                  padding: 0,
                  border: 0,
                  background: 'transparent',
                  cursor: rtl ? 'nesw-resize' : 'nwse-resize',
                  touchAction: 'none',
                }}
              >
                <IconResize size={14} style={{ transform: rtl ? 'scaleX(-1)' : undefined }} />
              </button>
            )}
          </div>
        );
      })}
    </div>
  );
}
