// The published page while a version is being made: ask where the job stands every two seconds, move
// the bar, and reload the page once it has finished (the new version, or why it failed, is then shown).
// Without this script the page reloads itself every five seconds instead (a <noscript> refresh).
document.addEventListener('DOMContentLoaded', () => {
  const bar = document.querySelector('#publish-job progress[data-progress-url]');
  if (!bar) return;
  const poll = async () => {
    let status;
    try {
      const response = await fetch(bar.dataset.progressUrl, { headers: { Accept: 'application/json' } });
      if (!response.ok) return;
      status = await response.json();
    } catch {
      setTimeout(poll, 5000); // the server is restarting or the network dropped: try again later
      return;
    }
    if (status.finished) { window.location.reload(); return; }
    bar.value = status.progress;
    document.querySelector('#publish-job .publish-percent').textContent = `${status.progress}%`;
    document.querySelector('#publish-job .publish-state').textContent = status.state_label;
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
});
