(function(){
// The fleet page only: a row of "Settings across the fleet" is one state standing for data-n
// tenants' settings, so the count report.js shows is made the settings' count (run after it).
var box=document.getElementById("filters"),count=document.getElementById("shown");if(!box||!count)return;
function recount(){
 var n=0;document.querySelectorAll("tr[data-n]:not(.hide)").forEach(function(r){n+=+r.getAttribute("data-n")});
 count.textContent=n+" setting(s) shown";
}
box.querySelectorAll("input").forEach(function(i){i.addEventListener(i.type==="search"?"input":"change",recount)});
recount();
})();
