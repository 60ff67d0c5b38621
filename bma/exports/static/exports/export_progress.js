// The export list's progress bars: each unfinished export asks the admin where it stands every two
// seconds, moves its bar and state, and shows the download link once the file is ready. Without this
// script the page reloads itself while an export runs (see the change list template).
document.addEventListener('DOMContentLoaded', () => {
  const cells = (kind, id) => document.querySelectorAll(`.${kind}[data-export-job="${id}"]`);
  const follow = (bar) => {
    const id = bar.dataset.exportJob;
    const poll = async () => {
      let status;
      try {
        const response = await fetch(bar.dataset.progressUrl, { headers: { Accept: 'application/json' } });
        if (!response.ok) return; // gone or no longer ours: leave the row as it is
        status = await response.json();
      } catch {
        setTimeout(poll, 5000); // the server is restarting or the network dropped: try again later
        return;
      }
      bar.querySelector('progress').value = status.progress;
      bar.querySelector('.export-percent').textContent = `${status.progress}%`;
      for (const cell of cells('export-state', id)) cell.textContent = status.state_label;
      if (!status.finished) { setTimeout(poll, 2000); return; }
      for (const cell of cells('export-file', id)) {
        if (status.download_url) {
          const link = document.createElement('a');
          link.href = status.download_url;
          link.textContent = status.download_label;
          cell.replaceChildren(link);
        } else {
          cell.textContent = status.error.slice(0, 80);
        }
      }
    };
    setTimeout(poll, 2000);
  };
  for (const bar of document.querySelectorAll('.export-progress[data-progress-url]')) {
    if (!bar.dataset.finished) follow(bar);
  }
});
