/* FaceLib dashboard behaviour: small plain JS, no framework, no network access beyond FaceLib itself. */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function csrfToken() {
    var input = $("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function readAsDataURL(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  /* Project switcher: choosing another project in the list changes nothing until Switch is pressed (an arrow key
     on the list must not change tenant); the button is highlighted while the choice differs. */
  $all("form.switcher select").forEach(function (select) {
    var initial = select.value, button = $("[data-switch]", select.form);
    select.addEventListener("change", function () { if (button) button.classList.toggle("primary", select.value !== initial); });
  });

  /* A slider and a number field that show one value (the threshold pages): moving either moves the other. */
  $all("input[type=range][data-mirror]").forEach(function (range) {
    var number = document.getElementById(range.getAttribute("data-mirror"));
    if (!number) return;
    range.addEventListener("input", function () { number.value = range.value; });
    number.addEventListener("input", function () { range.value = number.value; });
  });

  /* Buttons that ask first. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = (event.submitter && event.submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  /* ---- person picker: search as you type (name, id or uid), each person shown with a face and a face count;
     a picked person is sent by id, so ids are never typed; where allowed, "create" sends new_person instead. ---- */
  var lookupUrl = document.body.getAttribute("data-person-lookup");
  function personPicker(input) {
    var holder = input.form || input.parentNode;  /* where "create" puts its hidden new_person field */
    if (!lookupUrl) return;
    input.removeAttribute("list");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var allowNew = input.hasAttribute("data-allow-new");
    var fresh = document.createElement("input");
    fresh.type = "hidden"; fresh.name = "new_person"; fresh.value = "";
    if (allowNew) holder.appendChild(fresh);
    var box = document.createElement("div");
    box.className = "picker-list"; box.hidden = true;
    box.id = "picker-" + Math.random().toString(36).slice(2);
    box.setAttribute("role", "listbox");
    input.setAttribute("aria-controls", box.id);
    input.parentNode.classList.add("picker-anchor");
    input.parentNode.insertBefore(box, input.nextSibling);
    var options = [], active = -1, timer = null, seq = 0;
    var close = function () { box.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; };
    var choose = function (option) {
      if (!option) return;
      clearTimeout(timer); seq++;  /* a search still pending or in flight must not reopen the list */
      if (option.newName) { input.value = option.newName; fresh.value = option.newName; input.setAttribute("data-picked", "new"); }
      else { input.value = option.person_id; fresh.value = ""; input.setAttribute("data-picked", option.person_id); input.setAttribute("data-picked-name", option.name); }
      close();
      var label = input.parentNode.querySelector("[data-picked-label]");
      if (!label) { label = document.createElement("div"); label.className = "small muted"; label.setAttribute("data-picked-label", ""); box.parentNode.insertBefore(label, box.nextSibling); }
      label.textContent = option.newName ? "A new person named “" + option.newName + "” will be created." : "Chosen: " + (option.name || "(no name)") + " · " + option.faces + " face" + (option.faces === 1 ? "" : "s");
    };
    var render = function () {
      box.innerHTML = "";
      options.forEach(function (option, index) {
        var row = document.createElement("div");
        row.className = "picker-option" + (index === active ? " active" : "");
        row.setAttribute("role", "option");
        row.setAttribute("data-option", option.newName ? "new" : option.person_id);
        if (option.newName) {
          row.innerHTML = "<span class='picker-thumb' aria-hidden='true'>+</span><span>Create person <b>" + escapeHtml(option.newName) + "</b></span>";
        } else {
          row.innerHTML = (option.thumb ? "<img class='picker-thumb' alt='' src='" + escapeHtml(option.thumb) + "'>" : "<span class='picker-thumb' aria-hidden='true'>☺</span>") +
            "<span><b>" + escapeHtml(option.name || "(no name)") + "</b> <span class='muted small'>" + option.faces + " face" + (option.faces === 1 ? "" : "s") + " · " + escapeHtml(option.person_id.slice(0, 8)) + "</span></span>";
        }
        row.addEventListener("mousedown", function (event) { event.preventDefault(); choose(option); });
        box.appendChild(row);
      });
      box.hidden = !options.length;
      input.setAttribute("aria-expanded", options.length ? "true" : "false");
    };
    var search = function () {
      var text = input.value.trim(), mine = ++seq;
      fetch(lookupUrl + "?q=" + encodeURIComponent(text), { headers: { "X-Requested-With": "fetch" }, cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (mine !== seq) return;
          options = body.persons || [];
          var exact = options.some(function (o) { return (o.name || "").toLowerCase() === text.toLowerCase(); });
          if (allowNew && text && !exact) options.push({ newName: text });
          active = options.length ? 0 : -1;
          render();
        }).catch(function () { close(); });
    };
    input.addEventListener("input", function () {
      fresh.value = ""; input.removeAttribute("data-picked");
      var label = input.parentNode.querySelector("[data-picked-label]"); if (label) label.textContent = "";
      clearTimeout(timer); timer = setTimeout(search, 120);
    });
    input.addEventListener("focus", function () { if (!input.value) search(); });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("keydown", function (event) {
      if (box.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : options.length - 1)) % options.length; render();
      } else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(options[active]); }
      else if (event.key === "Escape") { close(); }
    });
  }
  $all("input[list=person-suggestions], input[data-person-picker]").forEach(personPicker);

  /* ---- bulk selection: tick faces in a grid, then one action for all of them (facesets/views/faces.py) ---- */
  var bulk = $("form[data-bulk]");
  if (bulk) {
    var boxes = $all("input[type=checkbox][name=face][form='" + bulk.id + "']");
    var counter = $("[data-selected-count]", bulk);
    var all = $("[data-select-all]", bulk);
    var update = function () {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      counter.textContent = n + " selected";
      counter.setAttribute("data-selected", String(n));
      boxes.forEach(function (b) { var tile = b.closest(".face"); if (tile) tile.classList.toggle("selected", b.checked); });
      $all("button[name=action]", bulk).forEach(function (button) { button.disabled = !n; });
      if (all) all.checked = n && n === boxes.length;
    };
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    if (all) all.addEventListener("change", function () { boxes.forEach(function (b) { b.checked = all.checked; }); update(); });
    update();
  }

  /* "Back" links: the previous page when there is one (the link's own address otherwise; no inline script). */
  $all("a[data-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1 && document.referrer) { event.preventDefault(); window.history.back(); }
    });
  });

  /* Copy buttons. */
  $all("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var text = source ? source.textContent : "";
      var done = function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1400);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else {
        var area = document.createElement("textarea");
        area.value = text; document.body.appendChild(area); area.select();
        try { document.execCommand("copy"); } catch (e) { /* nothing to do */ }
        document.body.removeChild(area); done();
      }
    });
  });

  /* Range inputs show their value. */
  $all("input[type=range][data-show]").forEach(function (range) {
    var output = document.getElementById(range.getAttribute("data-show"));
    var update = function () { if (output) output.textContent = Number(range.value).toFixed(2); };
    range.addEventListener("input", update); update();
  });

  /* Schema editor: add and remove (name, type) rows. */
  var schema = $("[data-schema-editor]");
  if (schema) {
    var rows = $("[data-schema-rows]", schema);
    var template = $("template", schema);
    $("[data-add-row]", schema).addEventListener("click", function () {
      rows.appendChild(template.content.cloneNode(true));
      var inputs = $all("input", rows); inputs[inputs.length - 1].focus();
    });
    rows.addEventListener("click", function (event) {
      if (event.target.matches("[data-remove-row]")) event.target.closest(".schema-row").remove();
    });
  }

  /* Health on the overview: the same /healthz the monitors use, fetched after the page is shown. */
  var health = $("[data-health]");
  if (health) {
    fetch("/healthz", { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); })
      .then(function (body) {
        $all("[data-check]", health).forEach(function (row) {
          var name = row.getAttribute("data-check");
          /* Staff get each check's details; other callers only the list of what is down. */
          var check = body.checks ? body.checks[name] : { ok: (body.down || []).indexOf(name) < 0, detail: "" };
          if (!check) return;
          $(".dot", row).className = "dot " + (check.ok ? "ok" : "bad");
          $("[data-state]", row).textContent = check.ok ? "Up" : "Down";
          $("[data-state]", row).className = "badge " + (check.ok ? "ok" : "bad");
          $(".detail", row).textContent = check.detail || "";
        });
      }).catch(function () {
        $all("[data-state]", health).forEach(function (el) { el.textContent = "Unknown"; el.className = "badge warn"; });
      });
  }

  /* ---- progress of background tasks ------------------------------------------------------------------------- */
  function pollTasks(taskIds, onUpdate) {
    var url = (document.body.getAttribute("data-progress-url") || "/tasks/progress.json") + "?items=1&ids=" + encodeURIComponent(taskIds.join(","));
    var stop = false;
    function tick() {
      fetch(url, { headers: { "X-Requested-With": "fetch" }, cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          onUpdate(data);
          if (!data.finished && !stop) setTimeout(tick, 600);
        })
        .catch(function () { if (!stop) setTimeout(tick, 2000); });
    }
    tick();
    return function () { stop = true; };
  }

  function setBar(root, done, total, finished) {
    var percent = total ? Math.floor((100 * done) / total) : 0;
    var bar = $("[data-bar]", root);
    if (bar) { bar.style.width = percent + "%"; bar.parentNode.classList.toggle("done", !!finished); }
    var label = $("[data-percent]", root);
    if (label) label.textContent = percent + " %";
    var count = $("[data-count]", root);
    if (count) count.textContent = done + " of " + total + " photos processed";
    root.setAttribute("data-progress", String(percent));
  }

  /* A task page that is still running follows its progress, then reloads once for the final table. */
  var live = $("[data-live-task]");
  if (live) {
    pollTasks([live.getAttribute("data-live-task")], function (data) {
      /* One long computation (a review of the stored vectors) reports its stage and the fraction done. */
      var stage = data.tasks.length ? data.tasks[0].stage : null;
      if (stage) {
        setBar(live, Math.round(stage.fraction * 1000), 1000, data.finished);
        var label = $("[data-stage]", live);
        if (label) label.textContent = stage.stage;
      } else {
        setBar(live, data.done, data.total, data.finished);
      }
      if (data.finished) window.location.reload();
    });
  }

  /* ---- enrolment uploader: drag and drop or pick, upload in chunks, follow the tasks --------------------------- */
  var uploader = $("[data-uploader]");
  if (uploader) {
    var form = uploader.closest("form");
    var input = $("input[type=file]", uploader);
    var zone = $(".dropzone", uploader);
    var chosen = $("[data-chosen]", uploader);
    var files = [];
    var CHUNK = 20;

    var folderInput = $("input[data-folder]", uploader);
    var folders = {};  /* file -> person folder name, in folder mode */
    var showChosen = function () {
      var text = files.length ? files.length + " photo" + (files.length === 1 ? "" : "s") + " chosen" : "";
      var names = Object.keys(files.reduce(function (seen, file) { if (file.folderPerson) seen[file.folderPerson] = 1; return seen; }, {}));
      if (names.length) text += " in " + names.length + " person folder" + (names.length === 1 ? "" : "s") + " (" + names.join(", ") + ")";
      chosen.textContent = text;
    };
    var addFiles = function (list) {
      Array.prototype.forEach.call(list, function (file) { files.push(file); });
      showChosen();
    };
    input.addEventListener("change", function () { files = []; addFiles(input.files); });
    if (folderInput) {
      /* A folder with one sub-folder per person (as import_faces reads one): the sub-folder's name is the person's;
         photos directly in the chosen folder go to no person. Hidden files are skipped. */
      folderInput.addEventListener("change", function () {
        files = [];
        Array.prototype.forEach.call(folderInput.files, function (file) {
          var parts = (file.webkitRelativePath || file.name).split("/");
          if (parts[parts.length - 1].charAt(0) === ".") return;
          file.folderPerson = parts.length >= 3 ? parts[1] : "";
          files.push(file);
        });
        files.sort(function (a, b) {
          return a.folderPerson === b.folderPerson ? (a.webkitRelativePath < b.webkitRelativePath ? -1 : 1) : (a.folderPerson < b.folderPerson ? -1 : 1);
        });
        showChosen();
      });
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) { addFiles(event.dataTransfer.files); });

    var panel = $("[data-progress-panel]");
    var list = $("[data-file-rows]", panel);
    var errorBox = $("[data-upload-error]");

    var showErrors = function (errors) {
      $all(".errorlist.js", form).forEach(function (el) { el.remove(); });
      var general = [];
      Object.keys(errors || {}).forEach(function (name) {
        var field = form.querySelector("[name='" + name + "']");
        var box = field ? field.closest(".field") : null;
        if (box) {
          var ul = document.createElement("ul"); ul.className = "errorlist js";
          ul.innerHTML = errors[name].map(function (m) { return "<li>" + escapeHtml(m) + "</li>"; }).join("");
          box.appendChild(ul); box.classList.add("has-error");
        } else { general = general.concat(errors[name]); }
      });
      errorBox.hidden = !general.length;
      errorBox.textContent = general.join(" ");
    };

    /* One upload = one batch (its parts are tasks of up to CHUNK photos): the page names it, the server keeps it, and
       /uploads/<batch>/ follows it after this tab is closed. Size and type are checked here before anything is sent;
       the files that failed for a reason a retry can cure are offered again with "Retry failed". */
    var maxBytes = Number(uploader.getAttribute("data-max-bytes") || 0);
    var TYPES = /\.(jpe?g|png|bmp|webp)$/i;
    var CONTENT_FAILURES = ["no_face", "face_too_small", "image_invalid", "duplicate_photo", "invalid_external_image_id", "refused_here"];
    var batch = null, rowsByFile = [], submit = $("button[type=submit]", form), retry = $("[data-retry]", panel);
    var newBatch = function () {
      var hex = "";
      var bytes = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      bytes.forEach(function (b) { hex += (b < 16 ? "0" : "") + b.toString(16); });
      return hex;
    };
    var setRow = function (row, code, tone, label, detail) {
      row.setAttribute("data-state", "final");
      row.setAttribute("data-outcome", code);
      row.children[1].innerHTML = "<span class='badge " + tone + "'>" + escapeHtml(label) + "</span>";
      row.children[2].textContent = detail || "";
    };
    var upload = function (chosenFiles, fresh) {
      if (fresh) {
        batch = newBatch(); rowsByFile = []; list.innerHTML = "";
        var link = $("[data-batch-link]", panel);
        if (link) { link.href = link.getAttribute("data-base").replace("BATCH", batch); link.hidden = false; }
      }
      panel.hidden = false; submit.disabled = true; if (retry) retry.hidden = true;
      var sendable = [];
      chosenFiles.forEach(function (file) {
        var row;
        var index = rowsByFile.findIndex(function (entry) { return entry.file === file; });
        if (index < 0) {
          row = document.createElement("tr");
          row.innerHTML = "<td>" + escapeHtml(file.webkitRelativePath || file.name) + "</td><td></td><td class='muted'></td>";
          list.appendChild(row);
          rowsByFile.push({ file: file, row: row });
          index = rowsByFile.length - 1;
        }
        row = rowsByFile[index].row;
        row.setAttribute("data-file", String(index));
        row.removeAttribute("data-state"); row.removeAttribute("data-outcome");
        if (maxBytes && file.size > maxBytes) {
          setRow(row, "refused_here", "bad", "Too large", "over " + Math.floor(maxBytes / 1048576) + " MB: not sent");
        } else if (!TYPES.test(file.name) && !/^image\/(jpeg|png|bmp|webp)$/.test(file.type)) {
          setRow(row, "refused_here", "bad", "Not a photo type", "JPEG, PNG, BMP or WebP only: not sent");
        } else {
          row.children[1].innerHTML = "<span class='badge wait'>Uploading</span>"; row.children[2].textContent = "";
          sendable.push({ file: file, index: index });
        }
      });
      var total = rowsByFile.length;
      /* parts of at most CHUNK photos, never mixing two person folders */
      var chunks = [];
      sendable.forEach(function (entry) {
        var last = chunks[chunks.length - 1];
        var person = entry.file.folderPerson === undefined ? null : entry.file.folderPerson;
        if (!last || last.entries.length >= CHUNK || last.person !== person) { last = { entries: [], person: person }; chunks.push(last); }
        last.entries.push(entry);
      });
      var taskIds = [], positions = [];
      var send = function (index) {
        if (index >= chunks.length) return Promise.resolve();
        var data = new FormData(form);
        data.delete("photos"); data.delete("folder");
        data.set("batch", batch);
        if (chunks[index].person !== null) { data.set("folder_person", chunks[index].person); data.set("person", ""); data.delete("new_person"); }
        chunks[index].entries.forEach(function (entry) { data.append("photos", entry.file, entry.file.name); });
        return fetch(form.action || window.location.href, {
          method: "POST", body: data, headers: { "X-Requested-With": "fetch", "X-CSRFToken": csrfToken() },
        }).then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) { var e = new Error("refused"); e.body = body; throw e; }
            /* a person created by the first part is named by id in the next ones */
            var freshPerson = form.querySelector("input[name=new_person]");
            if (freshPerson && freshPerson.value && body.person_id && chunks[index].person === null) {
              freshPerson.value = ""; var personInput = form.querySelector("input[name=person]"); if (personInput) personInput.value = body.person_id;
            }
            taskIds.push(body.task_id);
            positions.push(chunks[index].entries.map(function (entry) { return entry.index; }));
            return send(index + 1);
          });
        });
      };
      var finish = function () {
        submit.disabled = false;
        var links = $("[data-done-links]", panel); if (links) links.hidden = false;
        var state = $("[data-state-label]", panel); if (state) state.textContent = "Finished";
        var again = rowsByFile.filter(function (entry) {
          var code = entry.row.getAttribute("data-outcome");
          return code && code !== "ok" && CONTENT_FAILURES.indexOf(code) < 0;
        });
        if (retry && again.length) {
          retry.hidden = false;
          retry.textContent = "Retry " + again.length + " failed";
          retry.onclick = function () { upload(again.map(function (entry) { return entry.file; }), false); };
        }
      };
      setBar(panel, 0, total, false);
      return send(0).then(function () {
        showErrors({});
        if (!taskIds.length) { setBar(panel, total, total, true); finish(); return; }
        pollTasks(taskIds, function (data) {
          var counts = {};
          data.tasks.forEach(function (task) {
            var mine = positions[taskIds.indexOf(task.task_id)] || [];
            (task.items || []).forEach(function (item) {
              var entry = rowsByFile[mine[item.position]];
              if (!entry || entry.row.getAttribute("data-state") === "final") return;
              setRow(entry.row, item.code || item.tone, item.tone, item.label, item.faces.length ? item.faces.join(", ") : (item.detail || ""));
            });
          });
          $all("tr[data-file]:not([data-state])", list).forEach(function (row) {
            row.children[1].innerHTML = "<span class='badge busy'>Queued</span>";
          });
          var finals = $all("tr[data-state=final]", list);
          finals.forEach(function (row) { var label = row.children[1].textContent; counts[label] = (counts[label] || 0) + 1; });
          setBar(panel, finals.length, total, data.finished);
          $("[data-summary]", panel).innerHTML = Object.keys(counts).sort().map(function (label) {
            return "<span class='badge'>" + escapeHtml(label) + ": " + counts[label] + "</span>";
          }).join(" ");
          if (data.finished) finish();
        });
      }).catch(function (error) {
        submit.disabled = false;
        panel.hidden = !taskIds.length;
        showErrors(error.body ? error.body.errors : { __all__: ["The upload failed: " + error.message] });
      });
    };

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!files.length) { showErrors({ photos: ["Choose or drop at least one photo."] }); return; }
      upload(files.slice(), true);
    });
  }

  /* ---- photo forms (search, compare, detect): results inserted in place, boxes drawn over the chosen photo ----- */
  function drawFaces(wrap, faces, options) {
    var img = $("img", wrap);
    $all(".box, .pt, .mpt", wrap).forEach(function (el) { el.remove(); });
    var width = img.naturalWidth, height = img.naturalHeight;
    if (!width || !height) return;
    faces.forEach(function (face, index) {
      var b = face.box;
      var box = document.createElement("div");
      box.className = "box";
      box.style.left = (100 * b[0] / width) + "%";
      box.style.top = (100 * b[1] / height) + "%";
      box.style.width = (100 * b[2] / width) + "%";
      box.style.height = (100 * b[3] / height) + "%";
      if (options.labels) {
        var tag = document.createElement("span"); tag.className = "tag";
        /* the detector's confidence that this is a face, as a percentage: not to be read as a similarity */
        tag.textContent = "#" + (index + 1) + " · face " + Math.round(100 * Number(face.score)) + " %";
        tag.title = "detector confidence";
        box.appendChild(tag);
      }
      wrap.appendChild(box);
      if (options.landmarks) {
        (face.landmarks || []).forEach(function (p) {
          var dot = document.createElement("div"); dot.className = "pt";
          dot.style.left = (100 * p[0] / width) + "%"; dot.style.top = (100 * p[1] / height) + "%";
          wrap.appendChild(dot);
        });
      }
      if (options.mesh && face.analysis && face.analysis.mesh) {  /* the analysis's 478 points, shown on demand */
        face.analysis.mesh.forEach(function (p) {
          var dot = document.createElement("div"); dot.className = "mpt";
          dot.style.left = (100 * p[0] / width) + "%"; dot.style.top = (100 * p[1] / height) + "%";
          wrap.appendChild(dot);
        });
      }
    });
    wrap.setAttribute("data-drawn", String(faces.length));
  }

  function showPhoto(slot, dataUrl) {
    var faces = JSON.parse(slot.getAttribute("data-faces") || '{"faces": []}').faces;
    var options = {
      labels: slot.hasAttribute("data-labels"),
      landmarks: slot.hasAttribute("data-landmarks"),
      mesh: slot.hasAttribute("data-mesh"),
    };
    if (slot.hasAttribute("data-crop")) {  // the query face of a search, cut from the photo on a canvas
      var image = new Image();
      image.onload = function () {
        var b = faces[0].box, margin = 0.25;
        var x = Math.max(0, b[0] - b[2] * margin), y = Math.max(0, b[1] - b[3] * margin);
        var w = Math.min(image.naturalWidth - x, b[2] * (1 + 2 * margin));
        var h = Math.min(image.naturalHeight - y, b[3] * (1 + 2 * margin));
        var canvas = document.createElement("canvas");
        canvas.width = 200; canvas.height = 200;
        var side = Math.max(w, h);
        canvas.getContext("2d").drawImage(image, x + (w - side) / 2, y + (h - side) / 2, side, side, 0, 0, 200, 200);
        canvas.className = "thumb";
        slot.innerHTML = ""; slot.appendChild(canvas);
        slot.setAttribute("data-drawn", "1");
      };
      image.src = dataUrl;
      return;
    }
    slot.innerHTML = "";
    var wrap = document.createElement("div"); wrap.className = "photo-wrap";
    var img = document.createElement("img"); img.alt = "uploaded photo";
    wrap.appendChild(img); slot.appendChild(wrap);
    img.onload = function () { drawFaces(wrap, faces, options); };
    img.src = dataUrl;
  }

  /* The Detect page's "dense landmarks" switch: shows or hides the mesh points already drawn. */
  document.addEventListener("change", function (event) {
    var toggle = event.target.closest ? event.target.closest("[data-mesh-toggle]") : null;
    if (!toggle) return;
    var slot = document.querySelector("[data-photo-slot][data-mesh]");
    if (slot) slot.classList.toggle("hide-mesh", !toggle.checked);
  });

  /* Detect page: search with one chosen face of the photo (the box goes with the photo; the worker searches with the
     face it finds there), the results shown under the table. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-search-box]") : null;
    if (!button) return;
    var bar = $("[data-face-search]"), form = $("#detect-form"), target = $("[data-face-search-results]");
    var file = form && $("input[type=file]", form).files[0];
    if (!bar || !file || !target) return;
    var data = new FormData();
    data.append("photo", file, file.name);
    data.append("scope", $("select", bar).value);
    data.append("box", button.getAttribute("data-search-box"));
    data.append("limit", "10");
    data.append("threshold", "0.93");
    button.disabled = true;
    target.innerHTML = "<p class='muted'>Searching…</p>";
    readAsDataURL(file).then(function (url) {
      return fetch(bar.getAttribute("data-search-url"), {
        method: "POST", body: data, headers: { "X-Fragment": "1", "X-CSRFToken": csrfToken() },
      }).then(function (response) { return response.text(); }).then(function (html) {
        target.innerHTML = html;
        $all("[data-photo-slot]", target).forEach(function (slot) { showPhoto(slot, url); });
      });
    }).catch(function (error) {
      target.innerHTML = "<div class='form-errors'>The request failed: " + escapeHtml(error.message) + "</div>";
    }).then(function () { button.disabled = false; });
  });

  /* Detect page: enrol one chosen face into a face set (optionally for a person, new or picked), and say how it
     went on the face's row once the worker is done. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-enrol-box]") : null;
    if (!button) return;
    var bar = $("[data-face-enrol]"), form = $("#detect-form");
    var file = form && $("input[type=file]", form).files[0];
    if (!bar || !file) return;
    var data = new FormData();
    data.append("photos", file, file.name);
    data.append("box", button.getAttribute("data-enrol-box"));
    data.append("single", "on");
    var person = $("input[name=person]", bar), fresh = $("input[name=new_person]", bar);
    if (person && person.value) data.append("person", person.value);
    if (fresh && fresh.value) data.append("new_person", fresh.value);
    var note = button.parentNode.querySelector("[data-enrolled]");
    button.disabled = true; note.textContent = " enrolling…";
    fetch(bar.getAttribute("data-enrol-url").replace("FACESET", $("select", bar).value), {
      method: "POST", body: data, headers: { "X-Requested-With": "fetch", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(Object.values(body.errors || {}).join(" ") || "refused");
        if (fresh && fresh.value && body.person_id) { fresh.value = ""; person.value = body.person_id; }
        pollTasks([body.task_id], function (progress) {
          if (!progress.finished) return;
          var item = ((progress.tasks[0] || {}).items || [])[0] || {};
          note.setAttribute("data-outcome", item.code || item.tone || "");
          note.textContent = " " + (item.label || "done") + (item.faces && item.faces.length ? ": " + item.faces.join(", ") : "");
          button.disabled = false;
        });
      });
    }).catch(function (error) { note.textContent = " " + error.message; button.disabled = false; });
  });

  $all("form[data-photo-form]").forEach(function (form) {
    var target = document.getElementById(form.getAttribute("data-photo-form"));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = $("button[type=submit]", form);
      button.disabled = true;
      var label = button.textContent; button.textContent = "Working…";
      var urls = {};
      var reads = $all("input[type=file]", form).map(function (input) {
        return input.files[0] ? readAsDataURL(input.files[0]).then(function (url) { urls[input.name] = url; }) : null;
      });
      Promise.all(reads).then(function () {
        return fetch(form.action || window.location.href, {
          method: "POST", body: new FormData(form), headers: { "X-Fragment": "1", "X-CSRFToken": csrfToken() },
        });
      }).then(function (response) { return response.text(); }).then(function (html) {
        target.innerHTML = html;
        $all("input[data-person-picker], input[list=person-suggestions]", target).forEach(personPicker);
        // Errors come back in the fragment's own form-errors block; field errors are moved next to their fields.
        $all(".errorlist.js", form).forEach(function (el) { el.remove(); });
        $all(".field.has-error", form).forEach(function (el) { el.classList.remove("has-error"); });
        $all("[data-field-error]", target).forEach(function (error) {
          var field = form.querySelector("[name='" + error.getAttribute("data-field-error") + "']");
          var box = field ? field.closest(".field") : null;
          if (box) { error.classList.add("js"); box.appendChild(error); box.classList.add("has-error"); }
        });
        $all("[data-photo-slot]", target).forEach(function (slot) {
          var url = urls[slot.getAttribute("data-photo-slot")];
          if (url) showPhoto(slot, url);
        });
      }).catch(function (error) {
        target.innerHTML = "<div class='form-errors'>The request failed: " + escapeHtml(error.message) + "</div>";
      }).then(function () { button.disabled = false; button.textContent = label; });
    });
  });
})();
