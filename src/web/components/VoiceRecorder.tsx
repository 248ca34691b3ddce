import { MicrophoneIcon } from "./icons.tsx";
import { useEffect, useRef, useState } from "preact/hooks";

interface Recording {
  recorder: MediaRecorder;
  startedAt: number;
}

/** `0:07`: how long a recording has run. */
const elapsed = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}`;

/**
 * Records a voice note with the microphone (MediaRecorder): one press starts, the next stops and
 * hands the recording over as a file to send; Cancel drops it.
 */
export function VoiceRecorder({ disabled, onRecorded, onProblem }: { disabled: boolean; onRecorded: (file: File) => void; onProblem: (message: string) => void }) {
  const [recording, setRecording] = useState<Recording | undefined>(undefined);
  const [now, setNow] = useState(Date.now());
  const keep = useRef(true);
  useEffect(() => {
    if (!recording) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [recording]);

  const start = async () => {
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      return onProblem("The microphone is not available to this page.");
    }
    const recorder = new MediaRecorder(stream);
    const parts: Blob[] = [];
    recorder.ondataavailable = (event) => parts.push(event.data);
    recorder.onstop = () => {
      for (const track of stream.getTracks()) track.stop();
      setRecording(undefined);
      if (!keep.current || parts.length === 0) return;
      const type = recorder.mimeType.split(";")[0] || "audio/webm";
      onRecorded(new File(parts, `voice-note-${new Date().toISOString().slice(0, 19).replaceAll(":", "-")}.${type.endsWith("ogg") ? "ogg" : "webm"}`, { type }));
    };
    keep.current = true;
    recorder.start();
    setNow(Date.now());
    setRecording({ recorder, startedAt: Date.now() });
  };

  const stop = (send: boolean) => {
    keep.current = send;
    recording?.recorder.stop();
  };

  if (typeof MediaRecorder === "undefined") return null;
  if (!recording) {
    return (
      <button type="button" class="icon" aria-label="Record a voice note" disabled={disabled} onClick={() => void start()}>
        <MicrophoneIcon />
      </button>
    );
  }
  return (
    <span class="recording" role="status" aria-label="Recording a voice note">
      <span class="recording-time">{elapsed(now - recording.startedAt)}</span>
      <button type="button" onClick={() => stop(true)}>
        Send
      </button>
      <button type="button" onClick={() => stop(false)}>
        Cancel
      </button>
    </span>
  );
}
