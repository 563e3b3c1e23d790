// The upload page: PUTs the chosen file as the raw body with XHR, showing upload progress.

(() => {
  const form = document.getElementById("upload-form");
  const fileInput = document.getElementById("file");
  const progress = document.getElementById("progress");
  const percent = document.getElementById("percent");
  const result = document.getElementById("result");
  const table = document.querySelector("#uploads tbody");

  function setProgress(value) {
    progress.value = value;
    percent.textContent = `${value} %`;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) return;
    setProgress(0);
    result.textContent = "";
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/upload/${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("X-XSRFToken", form.dataset.xsrf);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    // fetch() has no upload progress; XHR's upload events report bytes sent.
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) setProgress(Math.floor((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      if (xhr.status !== 201) {
        result.textContent = `failed: HTTP ${xhr.status} ${xhr.responseText}`;
        return;
      }
      setProgress(100);
      const u = JSON.parse(xhr.responseText);
      result.textContent = `stored ${u.name}: ${u.size} bytes, sha-256 ${u.sha256}`;
      result.dataset.size = String(u.size);
      const row = table.insertRow(0);
      for (const text of [u.name, String(u.size), `${u.sha256.slice(0, 16)}…`]) {
        row.insertCell().textContent = text;
      }
    };
    xhr.onerror = () => {
      result.textContent = "failed: network error";
    };
    xhr.send(file);
  });
})();
