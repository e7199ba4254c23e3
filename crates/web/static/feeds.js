// /feeds: shows the upload's progress where the browser can (plain
// JavaScript, ES5, no library); without it the form posts as usual.
(function () {
  var form = document.getElementById('upload-form');
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  form.setAttribute('data-progress', 'on');
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var bar = document.getElementById('upload-progress');
    var pct = document.getElementById('upload-percent');
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    bar.hidden = false;
    document.getElementById('upload').disabled = true;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(e.loaded * 100 / e.total);
        pct.textContent = bar.value + '%';
      }
    };
    xhr.upload.onload = function () { pct.textContent = '校验中… checking'; };
    xhr.onload = function () {
      // the import runs as a job: go to its page (it refreshes itself)
      if (xhr.responseURL && xhr.responseURL.indexOf('/jobs/') >= 0) { window.location.replace(xhr.responseURL); return; }
      document.open(); document.write(xhr.responseText); document.close();
    };
    xhr.onerror = function () { form.submit(); };
    xhr.send(new FormData(form));
  });
})();
