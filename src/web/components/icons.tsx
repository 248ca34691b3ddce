/**
 * Drawn icons for buttons and file names: an emoji glyph shows as an empty box where the system has no
 * emoji font (Debian's Chromium, many Linux desktops). Each takes the surrounding text colour.
 */
const SVG = { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": true } as const;

export function PaperclipIcon({ size = 20 }: { size?: number }) {
  return (
    <svg {...SVG} width={size} height={size}>
      <path d="M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.5 3.5 0 0 1 5 5l-8.6 8.6a2 2 0 0 1-2.9-2.9l8-8" />
    </svg>
  );
}

export function MicrophoneIcon() {
  return (
    <svg {...SVG} width={20} height={20}>
      <rect x="9" y="3" width="6" height="11" rx="3" />
      <path d="M5 11a7 7 0 0 0 14 0M12 18v3" />
    </svg>
  );
}
