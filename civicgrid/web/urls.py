from django.urls import path

from . import views, views_cases, views_track

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("territory/", views.territory, name="territory"),
    path("cases/", views_cases.case_list, name="case_list"),
    path("cases/map/", views_cases.case_map, name="case_map"),
    path("cases/<str:number>/", views_cases.case_detail, name="case_detail"),
    path("cases/<str:number>/photos/<int:attachment_id>/", views_cases.case_photo,
         name="case_photo"),
    path("track/", views_track.track, name="track"),
    path("track/case/", views_track.track_case, name="track_case"),
    path("track/rate/", views_track.track_rate, name="track_rate"),
    path("track/photos/<int:attachment_id>/", views_track.track_photo, name="track_photo"),
]
